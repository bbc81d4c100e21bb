package org.sparkntk.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster for integration tests: a master and N workers, each a separate
 * JVM started with {@link ProcessBuilder} from the project's runtime jars (target/lib), bound to
 * 127.0.0.1 on random free ports; the same layout as {@code scripts/cluster.sh}. Drivers are
 * submitted as separate JVMs too ({@link #submit}). {@link #close} kills every process it started
 * and their descendants (the executors), also from a JVM shutdown hook, and reports leftovers.
 */
public final class StandaloneCluster implements AutoCloseable {

    /** The project folder (set by Maven; the working directory otherwise). */
    public static final Path PROJECT = Path.of(System.getProperty("ntk.project.dir", ".")).toAbsolutePath().normalize();
    public static final Path LIB = PROJECT.resolve("target/lib");
    public static final Path CLUSTER_JAR = PROJECT.resolve("target/spark-ntk-cluster.jar");

    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final Path work;
    private final Path sparkHome;
    private final int masterPort;
    private final int masterUi;
    private final List<Process> daemons = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final List<Process> drivers = Collections.synchronizedList(new ArrayList<>());
    /** Every pid this object ever saw under its processes, so close() can check they are all gone. */
    private final List<ProcessHandle> seen = Collections.synchronizedList(new ArrayList<>());
    private final Thread hook;
    private boolean closed;

    private StandaloneCluster(Path work) throws IOException {
        this.work = work;
        this.sparkHome = work.resolve("spark-home");
        this.masterPort = freePort();
        this.masterUi = freePort();
        this.hook = new Thread(this::killAll, "standalone-cluster-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts a master and {@code workers} workers and waits until the master reports them ALIVE.
     *
     * @param work           a fresh folder for SPARK_HOME, logs and scratch space
     * @param workerCores    cores each worker offers
     * @param workerMemory   memory each worker offers to executors, e.g. "1g"
     */
    public static StandaloneCluster start(Path work, int workers, int workerCores, String workerMemory, Duration timeout)
            throws IOException, InterruptedException {
        if (!Files.isDirectory(LIB) || !Files.isRegularFile(CLUSTER_JAR)) {
            throw new IllegalStateException("run 'mvn package' first: " + LIB + " or " + CLUSTER_JAR + " is missing");
        }
        StandaloneCluster c = new StandaloneCluster(work);
        try {
            c.layout();
            c.daemons.add(c.launch("master", List.of("org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", "" + c.masterPort, "--webui-port", "" + c.masterUi), "256m"));
            for (int i = 1; i <= workers; i++) {
                Path wdir = work.resolve("worker-work/worker-" + i);
                Files.createDirectories(wdir);
                Process w = c.launch("worker-" + i, List.of("org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", "" + workerCores, "--memory", workerMemory,
                        "--webui-port", "" + freePort(), "--work-dir", wdir.toString(), c.masterUrl()), "256m");
                c.daemons.add(w);
                c.workers.add(w);
            }
            c.awaitWorkers(workers, timeout);
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    public Path work() {
        return work;
    }

    public Path sparkHome() {
        return sparkHome;
    }

    /** The worker JVMs. */
    public List<ProcessHandle> workerProcesses() {
        return workers.stream().map(Process::toHandle).toList();
    }

    /** Live executor JVMs: CoarseGrainedExecutorBackend processes whose parent is one of our workers. */
    public List<ProcessHandle> executors() {
        List<ProcessHandle> out = new ArrayList<>();
        for (Process w : workers) {
            w.toHandle().children()
                    .filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .forEach(p -> {
                        seen.add(p);
                        out.add(p);
                    });
        }
        return out;
    }

    /** Master status JSON (http://127.0.0.1:UI/json/). */
    public String masterJson() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/"))
                .timeout(Duration.ofSeconds(3)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Number of workers the master reports ALIVE, or -1 when it does not answer. */
    public int aliveWorkers() {
        try {
            Matcher m = ALIVE_WORKERS.matcher(masterJson());
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void awaitWorkers(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (aliveWorkers() >= n) {
                return;
            }
            for (Process p : daemons) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a cluster JVM exited early (code " + p.exitValue() + "); logs in " + work.resolve("logs"));
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("only " + aliveWorkers() + " of " + n + " workers ALIVE after " + timeout + "; logs in " + work.resolve("logs"));
    }

    /**
     * Starts a driver JVM: {@code SparkSubmit --master <this cluster> --class org.sparkntk.cli.Main
     * target/spark-ntk-cluster.jar <appArgs>} in client mode, stdout+stderr to {@code log}.
     */
    public Process submit(Path log, Map<String, String> conf, List<String> appArgs) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(defaultSubmitConf(work));
        all.putAll(conf);
        List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
                "--deploy-mode", "client", "--class", "org.sparkntk.cli.Main"));
        all.forEach((k, v) -> {
            args.add("--conf");
            args.add(k + "=" + v);
        });
        args.add(CLUSTER_JAR.toString());
        args.addAll(appArgs);
        Process p = javaProcess(args, "768m", log);
        drivers.add(p);
        seen.add(p.toHandle());
        return p;
    }

    /** Spark conf that keeps a test driver small, quiet and inside the work folder. */
    static Map<String, String> defaultSubmitConf(Path work) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("spark.ui.enabled", "false");
        c.put("spark.executor.memory", "512m");
        c.put("spark.driver.host", "127.0.0.1");
        c.put("spark.local.dir", work.resolve("tmp").toString());
        c.put("spark.executor.extraJavaOptions", "-Djava.io.tmpdir=" + work.resolve("tmp"));
        c.put("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
        return c;
    }

    /** Runs a driver to completion (bounded) and returns its exit code. */
    public int submitAndWait(Path log, Map<String, String> conf, List<String> appArgs, Duration timeout)
            throws IOException, InterruptedException {
        Process p = submit(log, conf, appArgs);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            killTree(p.toHandle());
            throw new IllegalStateException("driver did not finish within " + timeout + "; log " + log);
        }
        return p.exitValue();
    }

    private void layout() throws IOException {
        layoutSparkHome(work, sparkHome, List.of());
    }

    /**
     * A SPARK_HOME for test JVMs: {@code jars/} links to the runtime jars (target/lib) and
     * {@code extraJars}, {@code conf/} holds the project's log4j2 config; {@code work/logs} and
     * {@code work/tmp} are created too.
     */
    static void layoutSparkHome(Path work, Path sparkHome, List<Path> extraJars) throws IOException {
        Path jars = sparkHome.resolve("jars");
        Path conf = sparkHome.resolve("conf");
        Files.createDirectories(jars);
        Files.createDirectories(conf);
        Files.createDirectories(work.resolve("logs"));
        Files.createDirectories(work.resolve("tmp"));
        List<Path> all = new ArrayList<>(extraJars);
        try (Stream<Path> s = Files.list(LIB)) {
            all.addAll(s.filter(p -> p.toString().endsWith(".jar")).toList());
        }
        for (Path j : all) {
            Path link = jars.resolve(j.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, j);
            }
        }
        Files.copy(PROJECT.resolve("conf/log4j2.properties"), conf.resolve("log4j2.properties"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private Process launch(String name, List<String> mainAndArgs, String heap) throws IOException {
        Process p = javaProcess(mainAndArgs, heap, work.resolve("logs/" + name + ".out"));
        seen.add(p.toHandle());
        return p;
    }

    /** A JVM on SPARK_HOME's jars with Spark's module options, in the environment scripts/cluster.sh sets. */
    private Process javaProcess(List<String> mainAndArgs, String heap, Path log) throws IOException {
        return javaProcess(work, sparkHome, List.of(), Map.of(), mainAndArgs, heap, log);
    }

    /**
     * A JVM on {@code classpathFirst} and SPARK_HOME's conf and jars, with Spark's module options, its
     * temp folder in {@code work/tmp}, the environment scripts/cluster.sh sets plus {@code env}, stdout
     * and stderr appended to {@code log}.
     */
    static Process javaProcess(Path work, Path sparkHome, List<Path> classpathFirst, Map<String, String> env,
            List<String> mainAndArgs, String heap, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(moduleOptions());
        cmd.add("-Xmx" + heap);
        cmd.add("-Djava.io.tmpdir=" + work.resolve("tmp"));
        cmd.add("-Dlog4j2.configurationFile=" + sparkHome.resolve("conf/log4j2.properties"));
        cmd.add("-cp");
        StringBuilder cp = new StringBuilder();
        for (Path p : classpathFirst) {
            cp.append(p).append(':');
        }
        cmd.add(cp + sparkHome.resolve("conf").toString() + ":" + sparkHome.resolve("jars") + "/*");
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> e = pb.environment();
        e.put("SPARK_HOME", sparkHome.toString());
        e.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        e.put("SPARK_SCALA_VERSION", "2.13");
        e.put("SPARK_LOCAL_IP", "127.0.0.1");
        e.put("SPARK_LOCAL_DIRS", work.resolve("tmp").toString());
        e.put("SPARK_LOG_DIR", work.resolve("logs").toString());
        e.put("OPENBLAS_NUM_THREADS", "1");
        e.remove("SPARK_MASTER");
        e.putAll(env);
        return pb.start();
    }

    /** Spark's module options (one line written by the build). */
    public static List<String> moduleOptions() {
        try {
            String line = Files.readString(PROJECT.resolve("target/classes/spark-ntk/jvm-options.txt")).trim();
            return List.of(line.split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** SIGKILL a process and all its descendants, children first collected so none is orphaned unseen. */
    public static void killTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(root);
        for (ProcessHandle p : all) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by leftovers()
            }
        }
    }

    private void killAll() {
        List<ProcessHandle> roots = new ArrayList<>();
        synchronized (drivers) {
            drivers.forEach(p -> roots.add(p.toHandle()));
        }
        // workers before the master, so the master does not ask for replacement executors
        for (int i = daemons.size() - 1; i >= 0; i--) {
            roots.add(daemons.get(i).toHandle());
        }
        for (ProcessHandle r : roots) {
            r.descendants().forEach(seen::add);
        }
        for (ProcessHandle r : roots) {
            killTree(r);
        }
        synchronized (seen) {
            for (ProcessHandle p : seen) {
                p.destroyForcibly();
            }
        }
    }

    /** Processes this cluster started (daemons, drivers, executors seen) that are still alive. */
    public List<ProcessHandle> leftovers() {
        synchronized (seen) {
            return seen.stream().filter(ProcessHandle::isAlive).toList();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs killAll() again, harmlessly
        }
    }
}
