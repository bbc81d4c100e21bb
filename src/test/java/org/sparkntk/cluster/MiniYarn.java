package org.sparkntk.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real YARN for integration tests: a ResourceManager and one NodeManager (Hadoop's
 * MiniYARNCluster) inside the test JVM, whose containers (the Spark ApplicationMaster and
 * executors) are separate JVMs the NodeManager launches. Spark drivers are submitted as separate
 * JVMs with {@code SparkSubmit --master yarn} ({@link #submit}), configured only through a
 * HADOOP_CONF_DIR holding the cluster's yarn-site.xml, as on a real gateway machine.
 *
 * <p>Containers get their classpath from {@code spark.yarn.jars} with {@code local:} URIs of the
 * project's runtime jars plus spark-yarn (nothing of Spark is uploaded), and Spark's module options
 * plus {@code --add-modules=jdk.incubator.vector} through {@code spark.executor.extraJavaOptions}.
 * {@link #close} stops YARN, kills the drivers and any container JVM still alive (all of them
 * descendants of this JVM or of a driver), and {@link #leftovers} lists what survived.
 */
public final class MiniYarn implements AutoCloseable {

    /** NodeManager resources: room for a 512m ApplicationMaster and two 1g executors with Spark's 384m overheads. */
    static final int NM_MEMORY_MB = 4096;
    static final int NM_VCORES = 2;

    private final Path work;
    private final Path sparkHome;
    private final Path confDir;
    private final MiniYARNCluster yarn;
    private final List<Process> drivers = Collections.synchronizedList(new ArrayList<>());
    private final List<ProcessHandle> seen = Collections.synchronizedList(new ArrayList<>());
    private final Thread hook;
    private boolean closed;

    /**
     * Starts YARN with {@code defaultFs} (e.g. an hdfs:// URI) as fs.defaultFS, so that Spark's
     * staging folder and relative paths live there; every file YARN writes goes under {@code work}.
     */
    public MiniYarn(Path work, String defaultFs) throws IOException, InterruptedException {
        this.work = work;
        this.sparkHome = work.resolve("spark-home");
        this.confDir = work.resolve("hadoop-conf");
        StandaloneCluster.layoutSparkHome(work, sparkHome, List.of(sparkYarnJar()));
        Files.createDirectories(confDir);

        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", defaultFs);
        conf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        conf.setInt(YarnConfiguration.NM_PMEM_MB, NM_MEMORY_MB);
        conf.setInt(YarnConfiguration.NM_VCORES, NM_VCORES);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, NM_MEMORY_MB);
        // the JVMs reserve far more virtual memory than they use; YARN would kill them for it
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // a shared development disk may be nearly full: a "bad" disk would leave the NodeManager unhealthy
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
        conf.setLong(YarnConfiguration.NM_MIN_PER_DISK_FREE_SPACE_MB, 0);
        // hadoop-client-minicluster has no capacity-scheduler.xml: one queue taking everything
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 0.5f);
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        // containers' stdout/stderr stay in the NodeManager's log folder (no aggregation service here)
        conf.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, false);
        conf.setLong(YarnConfiguration.DEBUG_NM_DELETE_DELAY_SEC, 0);

        this.hook = new Thread(this::killAll, "mini-yarn-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        // MiniYARNCluster puts its folders under GenericTestUtils.getTestDir(), i.e. ${test.build.data}
        String oldTestData = System.getProperty("test.build.data");
        System.setProperty("test.build.data", work.resolve("yarn").toString());
        MiniYARNCluster y = new MiniYARNCluster("spark-ntk-yarn-it", 1, 1, 1);
        try {
            y.init(conf);
            y.start();
        } catch (RuntimeException e) {
            y.stop();
            Runtime.getRuntime().removeShutdownHook(hook);
            throw e;
        } finally {
            restore("test.build.data", oldTestData);
        }
        this.yarn = y;
        try {
            awaitStarted();
            try (OutputStream os = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
                yarn.getConfig().writeXml(os);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static void restore(String key, String old) {
        if (old == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, old);
        }
    }

    /** The ResourceManager publishes its real port in the config shortly after start(); then the NodeManager must register. */
    private void awaitStarted() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS, ":0").endsWith(":0")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ResourceManager did not publish its address");
            }
            Thread.sleep(100);
        }
        try {
            if (!yarn.waitForNodeManagersToConnect(60_000)) {
                throw new IllegalStateException("the NodeManager did not register with the ResourceManager");
            }
        } catch (YarnException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The jar holding Spark's YARN support (a test dependency), found on this JVM's classpath. */
    static Path sparkYarnJar() {
        try {
            return Path.of(Class.forName("org.apache.spark.deploy.yarn.Client").getProtectionDomain().getCodeSource()
                    .getLocation().toURI());
        } catch (ClassNotFoundException | URISyntaxException e) {
            throw new IllegalStateException("spark-yarn is not on the test classpath", e);
        }
    }

    /** The cluster's configuration (ResourceManager address with its real port, fs.defaultFS). */
    public YarnConfiguration config() {
        return new YarnConfiguration(yarn.getConfig());
    }

    public Path work() {
        return work;
    }

    /** The NodeManager's container log folder (one subfolder per application, one per container). */
    public Path nodeManagerLogs() {
        return Path.of(yarn.getNodeManager(0).getConfig().get(YarnConfiguration.NM_LOG_DIRS).split(",")[0]);
    }

    /**
     * Starts {@code SparkSubmit --master yarn --deploy-mode MODE --class org.sparkntk.cli.Main
     * target/spark-ntk-cluster.jar <appArgs>} as a separate JVM with HADOOP_CONF_DIR pointing at
     * this cluster, stdout+stderr to {@code log}. {@code conf} is added to (and overrides) {@link #defaultConf}.
     */
    public Process submit(Path log, String deployMode, Map<String, String> conf, List<String> appArgs) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(defaultConf(deployMode));
        all.putAll(conf);
        List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", "yarn",
                "--deploy-mode", deployMode, "--class", "org.sparkntk.cli.Main"));
        all.forEach((k, v) -> {
            args.add("--conf");
            args.add(k + "=" + v);
        });
        args.add(StandaloneCluster.CLUSTER_JAR.toString());
        args.addAll(appArgs);
        Map<String, String> env = Map.of("HADOOP_CONF_DIR", confDir.toString(), "YARN_CONF_DIR", confDir.toString());
        Process p = StandaloneCluster.javaProcess(work, sparkHome, List.of(confDir), env, args, "768m", log);
        drivers.add(p);
        seen.add(p.toHandle());
        return p;
    }

    /** Runs a submission to completion (bounded) and returns SparkSubmit's exit code. */
    public int submitAndWait(Path log, String deployMode, Map<String, String> conf, List<String> appArgs,
            java.time.Duration timeout) throws IOException, InterruptedException {
        Process p = submit(log, deployMode, conf, appArgs);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            StandaloneCluster.killTree(p.toHandle());
            throw new IllegalStateException("spark-submit did not finish within " + timeout + "; log " + log);
        }
        return p.exitValue();
    }

    /**
     * Small containers: a 512m ApplicationMaster (client mode; in cluster mode the driver lives in
     * it with 768m), two executors of 1 core and 1g; containers run the jars of this machine
     * ({@code local:} URIs) with this JVM's Java and Spark's module options.
     */
    Map<String, String> defaultConf(String deployMode) {
        Map<String, String> c = new LinkedHashMap<>();
        String javaHome = System.getProperty("java.home");
        c.put("spark.ui.enabled", "false");
        c.put("spark.executor.instances", "2");
        c.put("spark.executor.cores", "1");
        c.put("spark.executor.memory", "1g");
        if (deployMode.equals("client")) {
            c.put("spark.yarn.am.memory", "512m");
            c.put("spark.driver.host", "127.0.0.1");
            c.put("spark.local.dir", work.resolve("tmp").toString());
        } else {
            c.put("spark.driver.memory", "768m");
            c.put("spark.yarn.appMasterEnv.SPARK_LOCAL_IP", "127.0.0.1");
            c.put("spark.yarn.appMasterEnv.OPENBLAS_NUM_THREADS", "1");
        }
        c.put("spark.yarn.jars", "local:" + sparkHome.resolve("jars") + "/*");
        c.put("spark.yarn.appMasterEnv.JAVA_HOME", javaHome);
        c.put("spark.executorEnv.JAVA_HOME", javaHome);
        c.put("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
        c.put("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
        String modules = String.join(" ", StandaloneCluster.moduleOptions());
        c.put("spark.executor.extraJavaOptions", modules);
        c.put("spark.driver.extraJavaOptions", modules);
        c.put("spark.yarn.am.extraJavaOptions", modules);
        // fail fast instead of YARN's second attempt of a failed application
        c.put("spark.yarn.maxAppAttempts", "1");
        return c;
    }

    /** Every application the ResourceManager knows, with its final state and status. */
    public List<ApplicationReport> applications() throws IOException, YarnException {
        try (YarnClient client = YarnClient.createYarnClient()) {
            client.init(config());
            client.start();
            return client.getApplications(EnumSet.allOf(YarnApplicationState.class));
        }
    }

    /** Container JVMs (and their launch shells) of this cluster still alive: descendants of this JVM under our work folder. */
    public List<ProcessHandle> containers() {
        String mark = work.toString();
        List<ProcessHandle> out = new ArrayList<>();
        ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .filter(p -> !drivers.stream().anyMatch(d -> d.pid() == p.pid()))
                .filter(p -> p.info().commandLine().orElse("").contains(mark))
                .forEach(p -> {
                    seen.add(p);
                    out.add(p);
                });
        return out;
    }

    private void killAll() {
        List<ProcessHandle> roots = new ArrayList<>();
        synchronized (drivers) {
            drivers.forEach(p -> roots.add(p.toHandle()));
        }
        for (ProcessHandle r : roots) {
            r.descendants().forEach(seen::add);
            StandaloneCluster.killTree(r);
        }
        containers();
        if (yarn != null) {
            yarn.stop();
        }
        // the NodeManager kills its containers on stop; anything that escaped goes now
        for (ProcessHandle p : containers()) {
            StandaloneCluster.killTree(p);
        }
    }

    /** Processes this cluster started (drivers, containers seen) that are still alive. */
    public List<ProcessHandle> leftovers() {
        containers();
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
