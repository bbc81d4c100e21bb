package org.sparkntk.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a session SparkOptions creates adds to the user's settings: only for a local master, never over theirs. */
class SparkOptionsTest {

    private static final String RESULT = "spark.task.maxDirectResultSize";
    private static final String UI = "spark.ui.enabled";

    @Test
    void aLocalSessionSendsTaskResultsDirectlyAndStartsNoWebUi() {
        Map<String, String> both = Map.of(RESULT, "128m", UI, "false");
        assertEquals(both, SparkOptions.localDefaults("local[*]", new SparkConf(false), Map.of()));
        assertEquals(both, SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of()));
        // Spark reads it as a size: 128 MB, its cap (spark.rpc.message.maxSize) by default
        assertEquals(128L << 20, new SparkConf(false).set(RESULT, SparkOptions.LOCAL_DIRECT_RESULT_SIZE).getSizeAsBytes(RESULT));
    }

    @Test
    void aClusterOrTheUsersOwnSettingIsLeftAlone() {
        assertTrue(SparkOptions.localDefaults("spark://127.0.0.1:7077", new SparkConf(false), Map.of()).isEmpty());
        assertTrue(SparkOptions.localDefaults("yarn", new SparkConf(false), Map.of()).isEmpty());
        // --conf
        assertEquals(Map.of(UI, "false"), SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of(RESULT, "4m")));
        assertEquals(Map.of(RESULT, "128m"), SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of(UI, "true")));
        // spark-submit's or spark-defaults' settings (system properties)
        assertEquals(Map.of(UI, "false"), SparkOptions.localDefaults("local[2]", new SparkConf(false).set(RESULT, "4m"), Map.of()));
        assertEquals(Map.of(RESULT, "128m"), SparkOptions.localDefaults("local[2]", new SparkConf(false).set(UI, "true"), Map.of()));
    }

    @TempDir
    Path tmp;

    private static List<String> extensionFiles() throws Exception {
        List<String> out = new ArrayList<>();
        for (URL u : Collections.list(Thread.currentThread().getContextClassLoader().getResources(SparkOptions.EXTENSIONS_SERVICE))) {
            out.add(u.toString());
        }
        return out;
    }

    @Test
    void onlySparkMllibsSessionExtensionIsHiddenWhileASessionIsBuilt() throws Exception {
        // another library's provider on the class path, e.g. a data source's
        Path other = tmp.resolve("other");
        Files.createDirectories(other.resolve("META-INF/services"));
        Files.writeString(other.resolve(SparkOptions.EXTENSIONS_SERVICE), "# a comment\ncom.example.OtherExtensions\n");
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        try (URLClassLoader withOther = new URLClassLoader(new URL[] {other.toUri().toURL()}, before)) {
            t.setContextClassLoader(withOther);
            List<String> all = extensionFiles();
            assertEquals(2, all.size(), "spark-mllib's and the other library's: " + all);
            assertTrue(all.stream().anyMatch(u -> u.contains("spark-mllib")), all.toString());
            List<String> seen = SparkOptions.withoutMllibSessionExtension(() -> {
                try {
                    return extensionFiles();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(List.of(other.resolve(SparkOptions.EXTENSIONS_SERVICE).toUri().toURL().toString()), seen);
            assertEquals(withOther, t.getContextClassLoader(), "the caller's context class loader is back");
        } finally {
            t.setContextClassLoader(before);
        }
    }

    /**
     * A fresh JVM builds a session as the commands do, then one with Spark's own builder; the JVM's
     * class-loading log says which of them ran spark-mllib's extension.
     */
    @Test
    void aCommandsSessionSkipsSparkMllibsExtensionWhichSparksOwnBuilderRuns() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx512m", "-Xlog:class+load=info:stdout",
                "-Djava.io.tmpdir=" + tmp, "-Dspark.local.dir=" + tmp));
        cmd.addAll(List.of(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Path err = tmp.resolve("child.err");
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), Files.readString(err));
        int ntk = out.indexOf("== ntk session built");
        int plain = out.indexOf("== Spark's builder session built");
        int loaded = out.indexOf(SparkOptions.MLLIB_EXTENSION + " ");
        assertTrue(ntk > 0 && plain > ntk, "both sessions built");
        assertTrue(loaded > ntk && loaded < plain, "spark-mllib's extension loads only for Spark's own builder (at " + loaded
                + ", sessions at " + ntk + " and " + plain + ")");
    }

    /** The child of {@link #aCommandsSessionSkipsSparkMllibsExtensionWhichSparksOwnBuilderRuns}. */
    public static final class Child {
        public static void main(String[] args) {
            SparkOptions o = new SparkOptions();
            o.master = "local[1]";
            try (SparkOptions.Session s = o.session("spark-ntk test")) {
                System.out.println("== ntk session built");
                System.out.flush();
            }
            org.apache.spark.sql.SparkSession plain = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                    .config("spark.ui.enabled", "false").getOrCreate();
            System.out.println("== Spark's builder session built");
            plain.stop();
        }
    }
}
