package org.sparkntk.options;

import org.sparkntk.spec.UserError;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * {@code --master} and {@code --conf k=v}: how to reach Spark. Under {@code spark-submit} the master
 * comes from spark-submit unless {@code --master} is given here too.
 */
public final class SparkOptions {

    /** Master used when neither --master nor spark-submit sets one. */
    public static final String DEFAULT_MASTER = "local[*]";

    private static final String UI = "spark.ui.enabled";

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master. Default: spark-submit's, else " + DEFAULT_MASTER + ".")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "Spark configuration, repeatable (e.g. --conf spark.executor.memory=8g).")
    Map<String, String> conf = new LinkedHashMap<>();

    /** The session handle: {@link #session()} says whether this process created it (and must stop it). */
    public record Session(SparkSession spark, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (owned) {
                spark.stop();
            }
        }
    }

    /**
     * Whether {@link #session} will run Spark in this JVM (a local master): the active session's
     * master if there is one, else --master, spark-submit's master, or the default.
     */
    public boolean localMaster() {
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
        if (active != null && !active.sparkContext().isStopped()) {
            return active.sparkContext().master().startsWith("local");
        }
        String m = master != null ? master : new SparkConf().get("spark.master", DEFAULT_MASTER);
        return m.startsWith("local");
    }

    /** Gets the active session (tests, notebooks) or builds one with the master and conf. */
    public Session session(String appName) {
        for (Map.Entry<String, String> e : conf.entrySet()) {
            if (e.getValue() == null || e.getValue().isEmpty()) {
                throw new UserError("'conf' entry '" + e.getKey() + "' has no value; write --conf key=value");
            }
        }
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
        if (active != null && !active.sparkContext().isStopped()) {
            for (Map.Entry<String, String> e : conf.entrySet()) {
                if (!e.getKey().startsWith("spark.sql.")) {
                    continue;
                }
                active.conf().set(e.getKey(), e.getValue());
            }
            return new Session(active, false);
        }
        // the classic (in-process) builder directly: SparkSession.builder() finds it through Scala
        // runtime reflection, where a profile of a cold start found the main thread for about 1.5 s
        // (docs/benchmarks.md, "Stop 21: the 10000 x 2000 regression without Spark SQL")
        org.apache.spark.sql.classic.SparkSession.Builder b = org.apache.spark.sql.classic.SparkSession.builder().appName(appName);
        SparkConf existing = new SparkConf();
        if (master != null) {
            b.master(master);
        } else if (!existing.contains("spark.master")) {
            b.master(DEFAULT_MASTER);
        }
        String m = master != null ? master : existing.get("spark.master", DEFAULT_MASTER);
        for (Map.Entry<String, String> e : localDefaults(m, existing, conf).entrySet()) {
            b.config(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, String> e : conf.entrySet()) {
            b.config(e.getKey(), e.getValue());
        }
        return new Session(withoutMllibSessionExtension(b::getOrCreate), true);
    }

    /** The service file through which Spark finds session extensions on the class path. */
    static final String EXTENSIONS_SERVICE = "META-INF/services/org.apache.spark.sql.SparkSessionExtensionsProvider";

    /** spark-mllib's session extension, the one provider {@link #withoutMllibSessionExtension} hides. */
    static final String MLLIB_EXTENSION = "org.apache.spark.sql.ml.InternalFunctionRegistration";

    /**
     * Runs {@code build} (a session builder's {@code getOrCreate}) with spark-mllib's session
     * extension hidden from it. Building a session, Spark runs every session-extension provider
     * the context class loader lists; spark-mllib's registers the SQL functions behind ML's
     * DataFrame helpers (e.g. {@code vector_to_array}, which no command calls) and starts Scala's
     * runtime reflection for their type tags: 0.7-1.4 s of every command's start, 3660 classes
     * (docs/benchmarks.md, "Stop 26"). Other providers, and the extensions named by
     * {@code spark.sql.extensions}, load as before; a session the caller builds itself (the
     * Java API, notebooks) is not touched.
     */
    public static <T> T withoutMllibSessionExtension(java.util.function.Supplier<T> build) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        // threads Spark starts meanwhile inherit this loader; it delegates everything else unchanged
        t.setContextClassLoader(new HideMllibExtension(before != null ? before : SparkOptions.class.getClassLoader()));
        try {
            return build.get();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    /** A class loader that is its parent, except that it leaves spark-mllib's file out of {@link #EXTENSIONS_SERVICE}. */
    private static final class HideMllibExtension extends ClassLoader {
        HideMllibExtension(ClassLoader parent) {
            super(parent);
        }

        @Override
        public java.util.Enumeration<java.net.URL> getResources(String name) throws java.io.IOException {
            java.util.Enumeration<java.net.URL> all = super.getResources(name);
            if (!EXTENSIONS_SERVICE.equals(name)) {
                return all;
            }
            java.util.List<java.net.URL> kept = new java.util.ArrayList<>();
            while (all.hasMoreElements()) {
                java.net.URL u = all.nextElement();
                if (!providers(u).equals(java.util.List.of(MLLIB_EXTENSION))) {
                    kept.add(u);
                }
            }
            return java.util.Collections.enumeration(kept);
        }

        /** The provider class names a service file lists (comments and blank lines left out). */
        private static java.util.List<String> providers(java.net.URL u) throws java.io.IOException {
            try (java.io.InputStream in = u.openStream()) {
                java.util.List<String> out = new java.util.ArrayList<>();
                for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\\R")) {
                    String l = line.replaceFirst("#.*", "").trim();
                    if (!l.isEmpty()) {
                        out.add(l);
                    }
                }
                return out;
            }
        }
    }

    /** Task results up to this size go straight to the driver in local mode (see {@link #localDefaults}). */
    public static final String LOCAL_DIRECT_RESULT_SIZE = "128m";

    /**
     * Settings this process adds when it creates a session with a local master, unless the user set
     * them: no web UI, and {@code spark.task.maxDirectResultSize} = {@value #LOCAL_DIRECT_RESULT_SIZE} (Spark's
     * default is 1 MB). A larger task result is stored in the block manager and fetched by the
     * driver through the block transfer service, which in local mode is a loopback connection to
     * this same JVM: the dense solve's tiles (14 MB per task at N = 10000) took that detour, with
     * copies and garbage the in-process direct path does not make (docs/benchmarks.md, "10000 x
     * 2000: direct task results"). Spark caps the value at {@code spark.rpc.message.maxSize}
     * (128 MB by default); a larger result still takes the block manager.
     */
    static Map<String, String> localDefaults(String master, SparkConf existing, Map<String, String> userConf) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!master.startsWith("local")) {
            return out;
        }
        out.put("spark.task.maxDirectResultSize", LOCAL_DIRECT_RESULT_SIZE);
        // no web UI in a local run unless asked for (--conf spark.ui.enabled=true): the command logs its
        // progress, and starting the UI's server cost 0.45 s of a 5 s empty Spark job
        // (docs/benchmarks.md, "Fixed cost: the yardsticks")
        out.put(UI, "false");
        out.keySet().removeIf(k -> existing.contains(k) || userConf.containsKey(k));
        return out;
    }
}
