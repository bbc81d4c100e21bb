package org.sparkntk.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.management.ObjectName;

/**
 * Leaves the frameworks' code (Spark, Scala, Hadoop, Netty, ...) to HotSpot's C1 compiler in the
 * CLI's own JVM; C2 still compiles spark-ntk and the JDK.
 *
 * <p>Why: a command run in local mode is short and CPU-bound on every core, and C2 compiling
 * Spark's scheduler, Java serialization, ASM and the Scala library took about a quarter of the
 * CPU of a 10000 x 2000 regression, for code that runs a few seconds. Left to C1 (compiled
 * at level 1, without profiling), that code costs C2 nothing (docs/benchmarks.md, "Stop
 * 25"). spark-ntk's kernels and the JDK, where the long runs spend their time, keep C2.
 *
 * <p>Added as a compiler directive through the JVM's diagnostic command at {@link Main#main}
 * start, so that nothing is printed ({@code -XX:CompilerDirectivesFile} prints a line on stdout)
 * and no diagnostic flag is needed. Executors on a cluster are long-lived JVMs that never run
 * this. {@code -D}{@value #PROPERTY}{@code =full} keeps the JVM's own policy.
 */
final class DriverJit {

    /** System property: {@code lean} (default) or {@code full} (the JVM's own compilation policy). */
    static final String PROPERTY = "ntk.jit";

    /** Class-name prefixes (internal form) whose methods C2 does not compile. */
    static final List<String> C1_ONLY = List.of(
            "org/apache/spark/", "scala/", "org/apache/hadoop/", "io/netty/", "com/fasterxml/",
            "org/json4s/", "org/apache/logging/", "org/sparkproject/", "com/google/", "picocli/",
            "org/apache/commons/", "jdk/internal/org/objectweb/", "org/apache/xbean/", "com/codahale/",
            "java/io/Object", "org/glassfish/", "org/slf4j/", "jdk/internal/loader/", "java/util/jar/",
            "jdk/internal/reflect/", "sun/util/");

    /** What {@link #apply} did in this JVM, for {@code ntk doctor}. */
    private static volatile String state = "the JVM's own policy (not started by the CLI's main)";

    private DriverJit() {
    }

    /** What {@link #apply} did in this JVM, for {@code ntk doctor}. */
    static String state() {
        return state;
    }

    /** The directive: one match list, C2 excluded. */
    static String directives() {
        String match = C1_ONLY.stream().map(p -> "\"" + p + "*.*\"").collect(Collectors.joining(", "));
        return "[ { match: [" + match + "], c2: { Exclude: true } } ]";
    }

    /**
     * Adds the directive unless {@value #PROPERTY} says {@code full}; {@link #state} says what was
     * done. A JVM without the diagnostic command (no {@code jdk.management} module) keeps its policy.
     */
    static void apply() {
        String mode = System.getProperty(PROPERTY, "lean").trim().toLowerCase(Locale.ROOT);
        if (mode.equals("full")) {
            state = "full: the JVM's own policy (-D" + PROPERTY + "=full)";
            return;
        }
        if (!mode.equals("lean")) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + mode + " but must be lean or full");
        }
        Path file = null;
        try {
            file = Files.createTempFile("spark-ntk-jit", ".json");
            Files.writeString(file, directives(), StandardCharsets.UTF_8);
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            state = "lean: C2 leaves " + C1_ONLY.size() + " frameworks' packages to C1 (" + String.valueOf(out).trim()
                    + "; -D" + PROPERTY + "=full keeps the JVM's policy)";
        } catch (Exception | LinkageError e) {
            state = "the JVM's own policy: the directive was not added (" + e + ")";
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file of a few hundred bytes
                }
            }
        }
    }
}
