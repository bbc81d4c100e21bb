package org.sparkntk.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-machine file of dense-method timings: a second JVM (here a second call) uses the stored
 * timings instead of timing again and picks exactly what the first picked; a file for another
 * machine, a damaged one or a missing folder make it time again; {@code off} keeps nothing.
 */
class DenseTimingsTest {

    static final int PROBE = 300;

    @Test
    void theSecondPickUsesTheStoredTimingsAndAgreesWithTheFirst(@TempDir Path dir) throws Exception {
        List<String> notes = new ArrayList<>();
        List<DenseMethod> c = DenseMethod.candidates("auto");
        // kept whatever else runs on this machine (the busy-machine rule has its own test)
        List<DenseMethod> first = DenseTimings.loadOrTime(dir, c, PROBE, () -> DenseMethod.time(c, PROBE, 3), notes::add,
                Double.POSITIVE_INFINITY);
        assertTrue(notes.get(0).startsWith("timed now, kept in " + dir), notes.toString());
        Path[] files;
        try (var s = Files.list(dir)) {
            files = s.toArray(Path[]::new);
        }
        assertEquals(1, files.length, "one file, no temporary left behind");
        assertTrue(Files.readString(files[0]).contains("key=cpu\\="), Files.readString(files[0]));

        List<DenseMethod> second = DenseMethod.timedOrStored("auto", PROBE, dir, notes::add);
        assertEquals("timings of " + files[0], notes.get(1));
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).name(), second.get(i).name());
            assertEquals(first.get(i).flops(), second.get(i).flops());
            assertEquals(first.get(i).scaling(), second.get(i).scaling());
            assertEquals(first.get(i).blocked() == null, second.get(i).blocked() == null);
        }
        for (long n : new long[] {PROBE, 10_000, 40_000}) {
            DenseMethod a = DenseMethod.best(first, n);
            DenseMethod b = DenseMethod.best(second, n);
            assertEquals(a.name(), b.name());
            assertEquals(a.flops(), b.flops());
            assertEquals(a.reason(), b.reason());
        }
    }

    @Test
    void anotherKeyADamagedFileOrNoFolderMeanTimingAgain(@TempDir Path dir) throws Exception {
        List<DenseMethod> candidates = DenseMethod.candidates("blocked");
        AtomicInteger timings = new AtomicInteger();
        List<String> notes = new ArrayList<>();
        java.util.function.Supplier<List<DenseMethod>> time = () -> {
            timings.incrementAndGet();
            return DenseMethod.time(candidates, PROBE, 1);
        };
        DenseTimings.loadOrTime(dir, candidates, PROBE, time, notes::add, Double.POSITIVE_INFINITY);
        DenseTimings.loadOrTime(dir, candidates, PROBE, time, notes::add, Double.POSITIVE_INFINITY);
        assertEquals(1, timings.get(), notes.toString());

        // another probe size is another key, so another file
        DenseTimings.loadOrTime(dir, candidates, PROBE + 1, time, notes::add, Double.POSITIVE_INFINITY);
        assertEquals(2, timings.get());
        String key = DenseTimings.key(candidates, PROBE);
        assertNotEquals(DenseTimings.file(dir, key), DenseTimings.file(dir, DenseTimings.key(candidates, PROBE + 1)));
        // OpenBLAS's kernel choice is part of the key: its generic fallback runs dpotrf several times slower
        assertTrue(key.contains("; openblas-core=" + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "detected") + ";"), key);

        // the same file name holding another key (a hash collision) is not used
        Path f = DenseTimings.file(dir, key);
        String text = Files.readString(f, StandardCharsets.ISO_8859_1);
        Files.writeString(f, text.replace("probe\\=" + PROBE, "probe\\=" + (PROBE + 7)), StandardCharsets.ISO_8859_1);
        assertNull(DenseTimings.read(f, key, candidates));
        DenseTimings.loadOrTime(dir, candidates, PROBE, time, notes::add, Double.POSITIVE_INFINITY);
        assertEquals(3, timings.get());

        // damaged: a rate that is not a positive number, or a cut-off file
        text = Files.readString(f, StandardCharsets.ISO_8859_1);
        Files.writeString(f, text.replaceAll("method\\.0\\.cubic=.*", "method.0.cubic=-1"), StandardCharsets.ISO_8859_1);
        assertNull(DenseTimings.read(f, key, candidates));
        Files.writeString(f, text.substring(0, text.indexOf("method.0.")), StandardCharsets.ISO_8859_1);
        assertNull(DenseTimings.read(f, key, candidates));
        DenseTimings.loadOrTime(dir, candidates, PROBE, time, notes::add, Double.POSITIVE_INFINITY);
        assertEquals(4, timings.get());
        assertEquals(candidates.get(0).name(), DenseTimings.read(f, key, candidates).get(0).name());

        // a folder that cannot be made: timed, and said so, every time
        Path blocker = dir.resolve("a-file");
        Files.writeString(blocker, "x");
        DenseTimings.loadOrTime(blocker.resolve("sub"), candidates, PROBE, time, notes::add, Double.POSITIVE_INFINITY);
        assertEquals(5, timings.get());
        assertTrue(notes.get(notes.size() - 1).startsWith("timed now (not kept: "), notes.toString());
        DenseTimings.loadOrTime(null, candidates, PROBE, time, notes::add, Double.POSITIVE_INFINITY);
        assertEquals(6, timings.get());
    }

    /** Two busy processes beside a timing on every core: the timing is used but not kept. */
    @Test
    void timingsTakenWhileOtherProcessesAreBusyAreNotKept(@TempDir Path dir) throws Exception {
        List<DenseMethod> candidates = DenseMethod.candidates("blocked");
        List<Process> busy = new ArrayList<>();
        for (int i = 0; i < Math.max(2, Runtime.getRuntime().availableProcessors()); i++) {
            busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        }
        List<String> notes = new ArrayList<>();
        try {
            Thread.sleep(200);
            List<DenseMethod> got = DenseTimings.loadOrTime(dir, candidates, PROBE, () -> {
                long end = System.nanoTime() + 1_000_000_000L;
                List<DenseMethod> t = DenseMethod.time(candidates, PROBE, 1);
                while (System.nanoTime() < end) {
                    Thread.onSpinWait(); // at least a second, for /proc/stat's 10 ms ticks
                }
                return t;
            }, notes::add);
            assertEquals(candidates.get(0).name(), got.get(0).name());
        } finally {
            busy.forEach(Process::destroyForcibly);
        }
        assertTrue(notes.get(0).matches("timed now, not kept: other processes used \\d+% of the cores meanwhile"), notes.toString());
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    /** The share arithmetic: machine busy time less this process's, over cores x wall. */
    @Test
    void othersShare() {
        long s = 1_000_000_000L;
        assertEquals(0.25, DenseTimings.othersShare(new long[] {0, 0}, new long[] {3 * s / 2, s}, 2 * s / 2, 1 * 2), 1e-12);
        assertEquals(0.0, DenseTimings.othersShare(new long[] {0, 0}, new long[] {s, 2 * s}, s, 2), 0.0);
        assertEquals(0.0, DenseTimings.othersShare(null, new long[] {s, s}, s, 2), 0.0);
        assertTrue(DenseTimings.machineCpu() == null || DenseTimings.machineCpu()[0] > 0);
    }

    /** Kept timings come from two rounds: per candidate the faster one, with its own scaling. */
    @Test
    void fasterTakesTheFasterRoundPerCandidate() {
        List<DenseMethod> c = DenseMethod.candidates("auto");
        List<DenseMethod> slow = new ArrayList<>();
        List<DenseMethod> fast = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            // candidate 0 faster in the first round, the others in the second
            double first = i == 0 ? 2e10 : 1e10;
            slow.add(c.get(i).with(first, "").with(new DenseMethod.Scaling(100 + i, 1, 0, 0)));
            fast.add(c.get(i).with(3e10 - first, "").with(new DenseMethod.Scaling(200 + i, 1, 0, 0)));
        }
        List<DenseMethod> got = DenseMethod.faster(slow, fast);
        assertEquals(c.size(), got.size());
        for (int i = 0; i < c.size(); i++) {
            assertEquals(2e10, got.get(i).flops(), c.get(i).name());
            assertEquals(i == 0 ? 100 + i : 200 + i, got.get(i).scaling().probeN(), c.get(i).name());
            assertEquals(c.get(i).name(), got.get(i).name());
        }
    }

    /** What ntk doctor prints: off, none yet, then the file and its pick. */
    @Test
    void status(@TempDir Path dir) {
        assertTrue(DenseTimings.status(null, "blocked").startsWith("not kept (-Dntk.timings.dir=off)"));
        assertEquals("none kept yet in " + dir + " (the first dense solve with N >= 8000 times them)",
                DenseTimings.status(dir, "blocked"));
        List<DenseMethod> c = DenseMethod.candidates("blocked");
        DenseTimings.loadOrTime(dir, c, DenseMethod.PROBE_N, () -> DenseMethod.time(c, 600, 1).stream()
                .map(m -> m.with(new DenseMethod.Scaling(DenseMethod.PROBE_N, 1.0, 0.0, 0.0))).toList(), s -> { },
                Double.POSITIVE_INFINITY);
        String got = DenseTimings.status(dir, "blocked");
        // 1e12 / 3 flops in the 1 s the scaling says at N = 10000 x (10000 / 3072)^3
        double gflops = 1e12 / 3 / Math.pow(10000.0 / DenseMethod.PROBE_N, 3) / 1e9;
        assertEquals(DenseTimings.file(dir, DenseTimings.key(c, DenseMethod.PROBE_N)) + " (picks " + c.get(0).name()
                + String.format(java.util.Locale.ROOT, " at N = 10000, %.1f GFLOP/s)", gflops), got);
    }

    @Test
    void theFolderProperty() {
        String old = System.getProperty(DenseTimings.DIR_PROPERTY);
        try {
            System.setProperty(DenseTimings.DIR_PROPERTY, "off");
            assertNull(DenseTimings.dir());
            System.setProperty(DenseTimings.DIR_PROPERTY, "/some/where");
            assertEquals(Path.of("/some/where"), DenseTimings.dir());
            System.clearProperty(DenseTimings.DIR_PROPERTY);
            Path d = DenseTimings.dir();
            String xdg = System.getenv("XDG_CACHE_HOME");
            assertEquals(xdg != null && !xdg.isBlank() ? Path.of(xdg, "spark-ntk")
                    : Path.of(System.getProperty("user.home"), ".cache", "spark-ntk"), d);
            assertFalse(DenseTimings.cpuModel().isBlank());
        } finally {
            if (old == null) {
                System.clearProperty(DenseTimings.DIR_PROPERTY);
            } else {
                System.setProperty(DenseTimings.DIR_PROPERTY, old);
            }
        }
    }
}
