package org.sparkntk.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.sparkntk.cli.Main;
import org.sparkntk.io.KernelManifest;
import picocli.CommandLine;

/**
 * spark-ntk on a real standalone cluster (master + 2 workers with 1 core each, separate JVMs,
 * drivers submitted with SparkSubmit as separate JVMs): the same values as local mode, an executor
 * killed mid-job, the driver killed mid-job and resumed. Measurements go to stdout
 * (target/failsafe-reports/...GramClusterIT-output.txt) and docs/cluster.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GramClusterIT {

    static final int N = 300;
    static final int D = 8;
    static final int B = 20;
    static final int BLOCKS = (N + B - 1) / B;
    static final int TILES = BLOCKS * (BLOCKS + 1) / 2;
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(420);
    private static final Pattern RESUME = Pattern.compile("resume: (\\d+) of (\\d+) tiles already present, computing (\\d+)");

    private final Path work = StandaloneCluster.PROJECT.resolve("target/cluster-it/gram");
    private final Configuration conf = new Configuration();
    private StandaloneCluster cluster;
    private String input;
    private String reference;
    private double localSeconds;
    private double clusterSeconds = Double.NaN;

    @BeforeAll
    void setUp() throws Exception {
        ClusterTestSupport.deleteTree(work);
        Files.createDirectories(work);
        SparkSession spark = ClusterTestSupport.session();
        Path in = work.resolve("input");
        ClusterTestSupport.writeRows(spark, in, "part-00000.parquet", 0, N / 2, D);
        ClusterTestSupport.writeRows(spark, in, "part-00001.parquet", N / 2, N - N / 2, D);
        input = in.toString();
        reference = work.resolve("local").toString();
        long t0 = System.nanoTime();
        ClusterTestSupport.Run r = ClusterTestSupport.cli(gramArgs(reference, "--master", "local[2]").toArray(new String[0]));
        localSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.code(), r.err());
        metric("local[2] gram (in the test JVM, session already up): %.1f s, %d tiles", localSeconds, TILES);
        cluster = StandaloneCluster.start(work.resolve("cluster"), 2, 1, "1g", Duration.ofSeconds(240));
    }

    @AfterAll
    void tearDown() {
        if (cluster != null) {
            cluster.close();
            assertEquals(List.of(), cluster.leftovers(), "processes left running after the cluster was closed");
        }
    }

    List<String> gramArgs(String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("gram", "--input", input, "--output", out, "--id-col", "id",
                "--block-size", "" + B, "--depths", "1,3", "--kernels", "ntk,nngp"));
        a.addAll(List.of(extra));
        return a;
    }

    /** A measurement: to stdout and appended to target/cluster-it/metrics.txt (for docs/cluster.md). */
    static void metric(String fmt, Object... args) {
        String line = "METRIC " + java.time.Instant.now() + " " + String.format(Locale.ROOT, fmt, args);
        System.out.println(line);
        try {
            Files.writeString(StandaloneCluster.PROJECT.resolve("target/cluster-it/metrics.txt"), line + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the measurement is also on stdout
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void gramOnTwoWorkersEqualsLocalMode() throws Exception {
        String out = work.resolve("cluster-out").toString();
        Path log = work.resolve("driver-plain.log");
        long t0 = System.nanoTime();
        int code = cluster.submitAndWait(log, Map.of(), gramArgs(out), JOB_TIMEOUT);
        clusterSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, code, Files.readString(log));
        ClusterTestSupport.assertSameKernel(conf, reference, out);
        metric("cluster gram (2 workers x 1 core, driver JVM start included): %.1f s vs local %.1f s", clusterSeconds,
                localSeconds);
    }

    @Test
    @Order(2)
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void regressPcgOnClusterEqualsLocal() throws Exception {
        assumeTrue(new CommandLine(new Main()).getSubcommands().containsKey("regress"),
                "the 'regress' command (issue 4, solver) has not landed on this branch yet");
        SparkSession spark = ClusterTestSupport.session();
        Path train = work.resolve("reg-train");
        Path test = work.resolve("reg-test");
        ClusterTestSupport.writeLabelled(spark, train, 0, 200, D);
        ClusterTestSupport.writeLabelled(spark, test, 10_000, 50, D);
        List<String> args = List.of("regress", "--train", train.toString(), "--test", test.toString(), "--label-col", "label",
                "--id-col", "id", "--depth", "3", "--solver", "pcg", "--tol", "1e-10", "--ridge", "1e-3", "--block-size", "40");
        String localOut = work.resolve("reg-local").toString();
        List<String> local = new ArrayList<>(args);
        local.addAll(List.of("--output", localOut, "--master", "local[2]"));
        ClusterTestSupport.Run r = ClusterTestSupport.cli(local.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        String clusterOut = work.resolve("reg-cluster").toString();
        List<String> remote = new ArrayList<>(args);
        remote.addAll(List.of("--output", clusterOut));
        Path log = work.resolve("driver-regress.log");
        assertEquals(0, cluster.submitAndWait(log, Map.of(), remote, JOB_TIMEOUT), Files.readString(log));
        List<Row> a = spark.read().parquet(localOut + "/predictions").orderBy("id").collectAsList();
        List<Row> b = spark.read().parquet(clusterOut + "/predictions").orderBy("id").collectAsList();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            double x = ((Number) a.get(i).getAs("prediction")).doubleValue();
            double y = ((Number) b.get(i).getAs("prediction")).doubleValue();
            assertEquals(x, y, 1e-8 * Math.max(1, Math.abs(x)), "prediction of id " + a.get(i).getAs("id"));
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void regressNystromOnClusterEqualsLocal() throws Exception {
        SparkSession spark = ClusterTestSupport.session();
        Path train = work.resolve("nys-train");
        Path test = work.resolve("nys-test");
        ClusterTestSupport.writeLabelled(spark, train, 0, 200, D);
        ClusterTestSupport.writeLabelled(spark, test, 10_000, 50, D);
        List<String> args = List.of("regress", "--train", train.toString(), "--test", test.toString(), "--label-col", "label",
                "--id-col", "id", "--depth", "3", "--solver", "nystrom", "--centers", "60", "--tol", "1e-10", "--ridge", "1e-3",
                "--block-size", "40");
        String localOut = work.resolve("nys-local").toString();
        List<String> local = new ArrayList<>(args);
        local.addAll(List.of("--output", localOut, "--master", "local[2]"));
        ClusterTestSupport.Run r = ClusterTestSupport.cli(local.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        String clusterOut = work.resolve("nys-cluster").toString();
        List<String> remote = new ArrayList<>(args);
        remote.addAll(List.of("--output", clusterOut));
        Path log = work.resolve("driver-nystrom.log");
        assertEquals(0, cluster.submitAndWait(log, Map.of(), remote, JOB_TIMEOUT), Files.readString(log));
        List<Row> a = spark.read().parquet(localOut + "/predictions").orderBy("id").collectAsList();
        List<Row> b = spark.read().parquet(clusterOut + "/predictions").orderBy("id").collectAsList();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            double x = ((Number) a.get(i).getAs("prediction")).doubleValue();
            double y = ((Number) b.get(i).getAs("prediction")).doubleValue();
            assertEquals(x, y, 1e-8 * Math.max(1, Math.abs(x)), "nystrom prediction of id " + a.get(i).getAs("id"));
        }
    }

    @Test
    @Order(3)
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void executorKilledMidJobStillSucceedsWithSameOutput() throws Exception {
        String out = work.resolve("exec-kill-out").toString();
        Path log = work.resolve("driver-exec-kill.log");
        long t0 = System.nanoTime();
        Process driver = cluster.submit(log, Map.of(), gramArgs(out));
        int before = awaitTiles(out, driver, 2);
        List<ProcessHandle> executors = cluster.executors();
        assertFalse(executors.isEmpty(), "no executor JVM found under the workers");
        ProcessHandle victim = executors.get(0);
        long tk = System.nanoTime();
        assertTrue(victim.destroyForcibly(), "could not kill executor " + victim.pid());
        victim.onExit().get(30, TimeUnit.SECONDS);
        int atKill = ClusterTestSupport.tileFiles(conf, out);
        assertTrue(driver.waitFor(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "driver did not finish; log " + log);
        double total = (System.nanoTime() - t0) / 1e9;
        double afterKill = (System.nanoTime() - tk) / 1e9;
        String text = Files.readString(log);
        assertEquals(0, driver.exitValue(), text);
        assertTrue(atKill < TILES, "the job had finished before the executor was killed; nothing was tested");
        ClusterTestSupport.assertSameKernel(conf, reference, out);
        long lost = text.lines().filter(l -> l.contains("Lost task")).count();
        metric("executor kill: pid %d killed with %d/%d tiles present (%d when first seen); %d task(s) lost and re-run "
                        + "(<= 4 tiles each); job finished %.1f s after the kill, %.1f s total (uninterrupted %.1f s)",
                victim.pid(), atKill, TILES, before, lost, afterKill, total, clusterSeconds);
    }

    @Test
    @Order(4)
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void driverKilledMidJobThenResumeComputesOnlyMissingTiles() throws Exception {
        String out = work.resolve("driver-kill-out").toString();
        Path log = work.resolve("driver-kill.log");
        Process driver = cluster.submit(log, Map.of(), gramArgs(out));
        awaitTiles(out, driver, TILES / 8);
        long tk = System.nanoTime();
        StandaloneCluster.killTree(driver.toHandle());
        assertFalse(driver.isAlive());
        // the master ends the application when its driver goes away; the workers kill its executors
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cluster.executors().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(List.of(), cluster.executors(), "executors of the killed driver still running");
        double cleanup = (System.nanoTime() - tk) / 1e9;
        int present = ClusterTestSupport.tileFiles(conf, out);
        assertTrue(present < TILES, "the job had finished before the driver was killed; nothing was tested");
        assertFalse(Files.exists(Path.of(out, KernelManifest.KERNEL_JSON)), "a killed run must not look complete");

        Path log2 = work.resolve("driver-resume.log");
        long t1 = System.nanoTime();
        int code = cluster.submitAndWait(log2, Map.of(), gramArgs(out, "--resume"), JOB_TIMEOUT);
        double resumeSeconds = (System.nanoTime() - t1) / 1e9;
        String text = Files.readString(log2);
        assertEquals(0, code, text);
        Matcher m = RESUME.matcher(text);
        assertTrue(m.find(), "no resume report in the driver log:\n" + text);
        assertEquals(present, Integer.parseInt(m.group(1)), "tiles reported present");
        assertEquals(TILES, Integer.parseInt(m.group(2)), "tiles planned");
        assertEquals(TILES - present, Integer.parseInt(m.group(3)), "tiles recomputed must equal the missing tile files");
        ClusterTestSupport.assertSameKernel(conf, reference, out);
        metric("driver kill: %d/%d tiles durable at the kill; executors gone %.1f s after it; --resume recomputed %d "
                + "tiles in %.1f s (uninterrupted run %.1f s)", present, TILES, cleanup, TILES - present, resumeSeconds,
                clusterSeconds);
    }

    /** Waits (bounded) until at least {@code min} tile files exist; returns how many there were. */
    private int awaitTiles(String out, Process driver, int min) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            int n = ClusterTestSupport.tileFiles(conf, out);
            if (n >= min) {
                return n;
            }
            if (!driver.isAlive()) {
                throw new IllegalStateException("driver exited (code " + driver.exitValue() + ") before " + min + " tiles");
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("fewer than " + min + " tiles after " + JOB_TIMEOUT);
    }
}
