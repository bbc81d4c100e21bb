package org.sparkntk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * {@link DriverJit} in a child JVM (it changes the JVM's compilation policy for good), checked
 * against the JVM's own list of compiled code ({@code Compiler.codelist}): with the directive a hot
 * Scala method stays at C1 while the spark-ntk method that calls it reaches C2; without it both
 * reach C2.
 */
class DriverJitTest {

    /** Runs {@link DriverJit#apply}, makes {@link #loop} hot, prints the state and the code list's lines for both methods. */
    public static final class Child {
        static int loop(int n) {
            int s = 0;
            for (int i = 0; i < n; i++) {
                s += scala.math.package$.MODULE$.max(i & 7, s & 3);
            }
            return s;
        }

        public static void main(String[] args) throws Exception {
            DriverJit.apply();
            System.out.println("state: " + DriverJit.state());
            ObjectName dcmd = new ObjectName("com.sun.management:type=DiagnosticCommand");
            String[] none = new String[0];
            boolean wantMaxAtC2 = args.length > 0 && args[0].equals("full");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> seen = new ArrayList<>();
            int sink = 0;
            while (System.nanoTime() < deadline) {
                for (int r = 0; r < 50; r++) {
                    sink += loop(100_000);
                }
                String list = (String) ManagementFactory.getPlatformMBeanServer().invoke(dcmd, "compilerCodelist",
                        new Object[] {none}, new String[] {String[].class.getName()});
                seen.clear();
                for (String line : list.split("\n")) {
                    if (line.contains("scala.math.package$.max(") || line.contains("DriverJitTest$Child.loop(")) {
                        seen.add(line.trim());
                    }
                }
                // "<id> <level> <state> <method> [...]": state 0 is code in use
                boolean loopAtC2 = seen.stream().anyMatch(l -> l.contains("Child.loop(") && l.split(" ")[1].equals("4"));
                boolean maxAtC2 = seen.stream().anyMatch(l -> l.contains("max(") && l.split(" ")[1].equals("4"));
                if (loopAtC2 && (maxAtC2 || !wantMaxAtC2)) {
                    break;
                }
            }
            seen.forEach(System.out::println);
            System.out.println("sink " + sink);
        }
    }

    private static List<String> runChild(String jitProperty) throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = Files.createTempFile("driver-jit", ".err");
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx128m", "-cp", System.getProperty("java.class.path")));
        if (jitProperty != null) {
            cmd.add("-D" + DriverJit.PROPERTY + "=" + jitProperty);
        }
        cmd.add(Child.class.getName());
        cmd.add(jitProperty == null ? "lean" : jitProperty);
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "child JVM did not finish");
        String log = Files.readString(err);
        Files.deleteIfExists(err);
        assertEquals(0, p.exitValue(), log);
        return List.of(out.split("\n"));
    }

    private static boolean atLevel(List<String> lines, String method, String level) {
        return lines.stream().anyMatch(l -> l.contains(method) && l.split(" ").length > 2 && l.split(" ")[1].equals(level)
                && l.split(" ")[2].equals("0"));
    }

    @Test
    void byDefaultScalaStaysAtC1WhileOurCodeReachesC2() throws Exception {
        List<String> out = runChild(null);
        assertTrue(out.get(0).startsWith("state: lean: ") && out.get(0).contains("1 compiler directives added"), out.get(0));
        assertTrue(atLevel(out, "DriverJitTest$Child.loop(", "4"), "our loop reaches C2: " + out);
        assertTrue(atLevel(out, "scala.math.package$.max(", "1"), "Scala's max compiled by C1 alone: " + out);
        assertFalse(out.stream().anyMatch(l -> l.contains("scala.math.package$.max(") && l.split(" ")[1].equals("4")),
                "no C2 code for Scala's max: " + out);
    }

    @Test
    void fullKeepsTheJvmsPolicy() throws Exception {
        List<String> out = runChild("full");
        assertTrue(out.get(0).startsWith("state: full: "), out.get(0));
        assertTrue(atLevel(out, "scala.math.package$.max(", "4"), "Scala's max reaches C2 without the directive: " + out);
    }

    @Test
    void theDirectiveNamesEveryPrefixAndABadModeIsRefused() {
        String d = DriverJit.directives();
        for (String p : DriverJit.C1_ONLY) {
            assertTrue(d.contains("\"" + p + "*.*\""), p);
        }
        assertFalse(DriverJit.C1_ONLY.stream().anyMatch(p -> "org/sparkntk/".startsWith(p) || p.startsWith("org/sparkntk")),
                "spark-ntk's own code keeps C2");
        String before = System.getProperty(DriverJit.PROPERTY);
        System.setProperty(DriverJit.PROPERTY, "fast");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, DriverJit::apply);
            assertTrue(e.getMessage().contains("-Dntk.jit=fast") && e.getMessage().contains("lean or full"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(DriverJit.PROPERTY);
            } else {
                System.setProperty(DriverJit.PROPERTY, before);
            }
        }
    }
}
