package org.sparkntk.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
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
import org.sparkntk.io.KernelManifest;

/**
 * spark-ntk on a real YARN: Hadoop's MiniYARNCluster (ResourceManager + NodeManager in this JVM,
 * the ApplicationMaster and two executors as container JVMs the NodeManager starts) over a real
 * HDFS (MiniDFSCluster, input, output and Spark's staging folder there). {@code gram} and
 * {@code regress} are submitted with {@code SparkSubmit --master yarn --deploy-mode client} as
 * separate driver JVMs and must give what local mode gives on the same data: the same kernel
 * bit for bit, the same predictions and metrics to 1e-8 relative (PCG with a rank-40 preconditioner, so
 * that it iterates over the executors' cached tiles, sums them in another order).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnIT {

    static final int N = 240;
    static final int D = 8;
    static final int B = 40;
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(300);
    private static final Pattern APP_ID = Pattern.compile("(application_\\d+_\\d+)");

    private final Path work = StandaloneCluster.PROJECT.resolve("target/cluster-it/yarn");
    private final Configuration conf = new Configuration();
    private MiniHdfs hdfs;
    private MiniYarn yarn;
    private String hdfsData;

    @BeforeAll
    void setUp() throws Exception {
        ClusterTestSupport.deleteTree(work);
        Files.createDirectories(work);
        SparkSession spark = ClusterTestSupport.session();
        Path local = work.resolve("data");
        ClusterTestSupport.writeRows(spark, local.resolve("input"), "part-00000.parquet", 0, N / 2, D);
        ClusterTestSupport.writeRows(spark, local.resolve("input"), "part-00001.parquet", N / 2, N - N / 2, D);
        ClusterTestSupport.writeLabelled(spark, local.resolve("train"), 0, 200, D);
        ClusterTestSupport.writeLabelled(spark, local.resolve("test"), 10_000, 50, D);
        long t0 = System.nanoTime();
        hdfs = new MiniHdfs(work.resolve("dfs"));
        FileSystem fs = hdfs.fileSystem();
        hdfsData = hdfs.uri() + "/data";
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(hdfsData));
        yarn = new MiniYarn(work.resolve("yarn-cluster"), hdfs.uri());
        GramClusterIT.metric("yarn: HDFS + MiniYARNCluster up in %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    void tearDown() {
        try {
            if (yarn != null) {
                yarn.close();
                assertEquals(List.of(), yarn.leftovers(), "drivers or containers left running after YARN stopped");
            }
        } finally {
            if (hdfs != null) {
                hdfs.close(); // deletes its storage folder
            }
        }
        // what YARN and the drivers left on disk besides logs (kept, with the data and the local
        // reference runs, until the next run or mvn clean, as for the other cluster tests)
        Path cluster = work.resolve("yarn-cluster");
        if (!Files.isDirectory(cluster.resolve("yarn/spark-ntk-yarn-it"))) {
            return;
        }
        try (Stream<Path> s = Files.list(cluster.resolve("yarn/spark-ntk-yarn-it"))) {
            for (Path run : s.toList()) {
                ClusterTestSupport.deleteTree(run.resolve("spark-ntk-yarn-it-localDir-nm-0_0"));
            }
            ClusterTestSupport.deleteTree(cluster.resolve("tmp"));
            ClusterTestSupport.deleteTree(cluster.resolve("spark-home"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    List<String> gramArgs(String in, String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("gram", "--input", in, "--output", out, "--id-col", "id",
                "--block-size", "" + B, "--depths", "1,3", "--kernels", "ntk,nngp"));
        a.addAll(List.of(extra));
        return a;
    }

    List<String> regressArgs(String data, String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("regress", "--train", data + "/train", "--test", data + "/test",
                "--label-col", "label", "--id-col", "id", "--depth", "3", "--solver", "pcg", "--preconditioner", "nystrom:40", "--tol", "1e-10",
                "--ridge", "1e-3", "--block-size", "40", "--output", out));
        a.addAll(List.of(extra));
        return a;
    }

    /**
     * Runs a submission and checks it really ran on YARN: SparkSubmit exits 0, the log names the
     * application, the ResourceManager reports it FINISHED / SUCCEEDED, and the NodeManager started
     * its ApplicationMaster and two executor containers.
     */
    private String runOnYarn(String name, String mode, List<String> args) throws Exception {
        Path log = work.resolve("driver-" + name + ".log");
        long t0 = System.nanoTime();
        int code = yarn.submitAndWait(log, mode, Map.of("spark.app.name", "ntk-" + name), args, JOB_TIMEOUT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String text = Files.readString(log);
        assertEquals(0, code, text);
        Matcher m = APP_ID.matcher(text);
        assertTrue(m.find(), "no YARN application id in the driver log:\n" + text);
        String app = m.group(1);
        ApplicationReport report = yarn.applications().stream()
                .filter(r -> r.getApplicationId().toString().equals(app)).findFirst().orElseThrow();
        assertEquals(YarnApplicationState.FINISHED, report.getYarnApplicationState(), app);
        assertEquals(FinalApplicationStatus.SUCCEEDED, report.getFinalApplicationStatus(), app);
        Path appLogs = yarn.nodeManagerLogs().resolve(app);
        int containers;
        try (Stream<Path> s = Files.list(appLogs)) {
            containers = (int) s.filter(p -> p.getFileName().toString().startsWith("container_")).count();
        }
        assertEquals(3, containers, "containers (1 ApplicationMaster + 2 executors) of " + app + " in " + appLogs);
        GramClusterIT.metric("yarn %s mode %s: %s, %d containers, %.1f s with the driver JVM start", mode, name, app,
                containers, seconds);
        return text;
    }

    /** gram in local mode in this JVM on the local copy of the input (once). */
    private String gramReference() {
        String reference = work.resolve("gram-local").toString();
        if (!Files.exists(Path.of(reference, KernelManifest.KERNEL_JSON))) {
            long t0 = System.nanoTime();
            ClusterTestSupport.Run r = ClusterTestSupport.cli(
                    gramArgs(work.resolve("data/input").toString(), reference, "--master", "local[2]").toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            GramClusterIT.metric("yarn reference: local[2] gram in the test JVM %.1f s", (System.nanoTime() - t0) / 1e9);
        }
        return reference;
    }

    @Test
    @Order(1)
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void gramClientModeEqualsLocalMode() throws Exception {
        String reference = gramReference();
        String out = hdfs.uri() + "/kernels/gram-client";
        runOnYarn("gram-client", "client", gramArgs(hdfsData + "/input", out));
        ClusterTestSupport.assertSameKernel(conf, reference, out);
        // the containers ran the Vector API recursion and the same GEMM as this JVM: module options reached them
        java.util.Map<String, java.util.List<String>> local = new java.util.TreeMap<>(KernelManifest.readKernel(conf, reference).executors());
        java.util.Map<String, java.util.List<String>> onYarn = new java.util.TreeMap<>(KernelManifest.readKernel(conf, out).executors());
        // the tile writer follows the file system: Hadoop's stream on HDFS, O_DIRECT (auto) on a local disk that takes it
        assertEquals(java.util.List.of("hadoop"), onYarn.remove("writer"), "the tile writer on HDFS");
        assertEquals(java.util.List.of(org.sparkntk.io.TileWriter.AUTO.resolve(conf, new org.apache.hadoop.fs.Path(
                java.nio.file.Path.of(reference, "tiles").toUri())).label()), local.remove("writer"), "the tile writer on the local disk");
        assertEquals(local, onYarn, "kernel implementations on the YARN executors vs local mode");
    }

    @Test
    @Order(2)
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void regressPcgClientModeEqualsLocalMode() throws Exception {
        String reference = work.resolve("regress-local").toString();
        ClusterTestSupport.Run r = ClusterTestSupport.cli(
                regressArgs(work.resolve("data").toString(), reference, "--master", "local[2]").toArray(new String[0]));
        assertEquals(0, r.code(), r.err());

        String out = hdfs.uri() + "/models/regress-client";
        runOnYarn("regress-client", "client", regressArgs(hdfsData, out));
        assertSamePredictions(reference, out);
    }

    /**
     * Cluster mode: the driver runs inside the ApplicationMaster container (it returns from main
     * instead of calling System.exit there, see Main.inYarnClusterDriver), and its summary lands
     * in that container's stdout.
     */
    @Test
    @Order(3)
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void gramClusterModeEqualsLocalMode() throws Exception {
        String reference = gramReference();
        String out = hdfs.uri() + "/kernels/gram-cluster";
        String log = runOnYarn("gram-cluster", "cluster", gramArgs(hdfsData + "/input", out));
        ClusterTestSupport.assertSameKernel(conf, reference, out);
        Matcher m = APP_ID.matcher(log);
        assertTrue(m.find());
        String driverOut = containerStdout(m.group(1));
        assertTrue(driverOut.contains("spark-ntk gram: Gram N=" + N), "no gram summary in the ApplicationMaster's stdout:\n" + driverOut);
    }

    /** All stdout files of an application's containers, concatenated. */
    private String containerStdout(String app) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(yarn.nodeManagerLogs().resolve(app))) {
            for (Path p : s.filter(p -> p.getFileName().toString().equals("stdout")).sorted().toList()) {
                sb.append(Files.readString(p));
            }
        }
        return sb.toString();
    }

    /** Predictions row by row and rmse, r2 of metrics.json, to 1e-8 relative; both runs converged. */
    private void assertSamePredictions(String expected, String actual) throws IOException {
        SparkSession spark = ClusterTestSupport.session();
        List<Row> a = spark.read().parquet(expected + "/predictions").orderBy("id").collectAsList();
        List<Row> b = spark.read().parquet(actual + "/predictions").orderBy("id").collectAsList();
        assertEquals(50, a.size());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals((Long) a.get(i).getAs("id"), (Long) b.get(i).getAs("id"));
            double x = ((Number) a.get(i).getAs("prediction")).doubleValue();
            double y = ((Number) b.get(i).getAs("prediction")).doubleValue();
            assertEquals(x, y, 1e-8 * Math.max(1, Math.abs(x)), "prediction of id " + a.get(i).getAs("id"));
        }
        JsonNode ma = metrics(expected);
        JsonNode mb = metrics(actual);
        for (String k : List.of("rmse", "r2")) {
            double x = ma.get(k).asDouble();
            assertEquals(x, mb.get(k).asDouble(), 1e-8 * Math.max(1, Math.abs(x)), k);
        }
        assertEquals("[true]", mb.get("converged").toString(), "converged");
        assertEquals(ma.get("converged").toString(), mb.get("converged").toString());
        GramClusterIT.metric("yarn regress: PCG iterations local %s, yarn %s; rmse local %s, yarn %s", ma.get("iterations"),
                mb.get("iterations"), ma.get("rmse"), mb.get("rmse"));
    }

    private JsonNode metrics(String out) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(out + "/metrics.json");
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            return new ObjectMapper().readTree(in);
        }
    }
}
