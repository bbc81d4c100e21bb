package org.sparkntk.regress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkntk.spec.Precision;
import org.sparkntk.spec.UserError;

/** The memory plan decides the cache precision and the preconditioner rank, or refuses naming the fix. */
class MemoryPlanTest {

    static final long GB = 1_000_000_000L;

    static MemoryPlan.Resources local(double storageGb, double driverGb) {
        return new MemoryPlan.Resources((long) (storageGb * GB), "this JVM's heap (local mode)", (long) (driverGb * GB), true);
    }

    @Test
    void upperTriangleValuesCountTheTiles() {
        for (int n : new int[] {1, 7, 1024, 1025, 60000}) {
            for (int b : new int[] {1, 3, 1024}) {
                long count = 0;
                int nb = (n + b - 1) / b;
                for (int i = 0; i < nb; i++) {
                    for (int j = i; j < nb; j++) {
                        count += (long) Math.min(b, n - i * b) * Math.min(b, n - j * b);
                    }
                }
                assertEquals(count, MemoryPlan.upperTriangleValues(n, b), "n=" + n + " b=" + b);
            }
        }
    }

    @Test
    void autoCachesFloat64WhenItFitsElseFloat32() {
        // 60k in blocks of 1024: 1.83e9 values, 14.7 GB float64, 7.3 GB float32
        MemoryPlan big = MemoryPlan.plan(60000, 10, 1024, false, false, MemoryPlan.CachePrecision.AUTO,
                MemoryPlan.AUTO_RANK, local(11.5, 19));
        assertEquals(Precision.FLOAT32, big.cachePrecision());
        assertEquals(4 * MemoryPlan.upperTriangleValues(60000, 1024) * 1.02, big.cacheBytes(), 1e3);
        MemoryPlan small = MemoryPlan.plan(20000, 10, 1024, false, false, MemoryPlan.CachePrecision.AUTO,
                MemoryPlan.AUTO_RANK, local(11.5, 19));
        assertEquals(Precision.FLOAT64, small.cachePrecision());
        assertTrue(small.lines()[0].contains("float64 (auto)"), small.lines()[0]);
    }

    @Test
    void refusalsNameTheOptionThatFits() {
        UserError f64 = assertThrows(UserError.class, () -> MemoryPlan.plan(60000, 10, 1024, false, false,
                MemoryPlan.CachePrecision.FLOAT64, MemoryPlan.AUTO_RANK, local(11.5, 19)));
        assertEquals("the kernel cache needs 14.94 GB in float64 but this JVM's heap (local mode) has 11.50 GB of storage"
                + " memory; use --cache-precision float32 (7.47 GB), which fits, --matrix-free, more executors or more memory"
                + " (-Xmx / NTK_JAVA_OPTS)", f64.getMessage());
        UserError none = assertThrows(UserError.class, () -> MemoryPlan.plan(60000, 10, 1024, false, false,
                MemoryPlan.CachePrecision.AUTO, MemoryPlan.AUTO_RANK, local(4.6, 8)));
        assertTrue(none.getMessage().startsWith("the kernel cache needs 7.47 GB even in float32 but this JVM's heap (local"
                + " mode) has 4.60 GB of storage memory; use --matrix-free"), none.getMessage());
        UserError rank = assertThrows(UserError.class, () -> MemoryPlan.plan(60000, 10, 1024, false, true,
                MemoryPlan.CachePrecision.AUTO, 20000, local(4.6, 8)));
        // 8 N R (9.60 GB) + 3 fetched blocks of N x 279 columns (0.40) + 3 R^2 (9.60) + 10 N k vectors (0.05)
        assertTrue(rank.getMessage().startsWith("the solve needs 19.65 GB on the driver (preconditioner rank 20000"),
                rank.getMessage());
        assertTrue(rank.getMessage().contains("use a smaller --preconditioner nystrom:RANK"), rank.getMessage());
    }

    @Test
    void autoRankIsCappedThenLimitedByDriverMemory() {
        MemoryPlan ample = MemoryPlan.plan(60000, 10, 1024, false, false, MemoryPlan.CachePrecision.AUTO,
                MemoryPlan.AUTO_RANK, local(11.5, 19));
        assertEquals(MemoryPlan.MAX_AUTO_RANK, ample.rank());
        assertEquals(1500, MemoryPlan.plan(1500, 10, 1024, false, false, MemoryPlan.CachePrecision.AUTO,
                MemoryPlan.AUTO_RANK, local(11.5, 19)).rank());
        // 2 GB free beside a 7.47 GB cache: half of it for the factor, ~14 N bytes per rank
        MemoryPlan tight = MemoryPlan.plan(60000, 10, 1024, false, false, MemoryPlan.CachePrecision.AUTO,
                MemoryPlan.AUTO_RANK, local(11.5, 8.47 + 1.0));
        assertTrue(tight.rank() > 100 && tight.rank() < MemoryPlan.MAX_AUTO_RANK, "rank " + tight.rank());
        assertTrue(tight.rankReason().startsWith("auto: limited by driver memory"), tight.rankReason());
        assertTrue(tight.driverBytes() <= 2.0 * GB && tight.driverBytes() >= 0.9 * GB, "driver bytes " + tight.driverBytes());
    }

    @Test
    void denseSolveHasNoCache() {
        MemoryPlan p = MemoryPlan.plan(10000, 10, 1024, true, false, MemoryPlan.CachePrecision.AUTO, MemoryPlan.AUTO_RANK,
                local(4.6, 8));
        assertNull(p.cachePrecision());
        assertEquals(0, p.rank());
        assertEquals(org.sparkntk.solve.CholeskySolver.bytesNeeded(10000, 10), p.driverBytes());
    }

    @Test
    void cachePrecisionBadValue() {
        UserError e = assertThrows(UserError.class, () -> MemoryPlan.CachePrecision.parse("half"));
        assertEquals("'cache-precision' is 'half' but must be auto, float64 or float32", e.getMessage());
    }

    @Test
    void nystromPlansKnmAndTheDriverFactorsOrRefusesNamingTheFix() {
        // 60k x 10k: 6e8 values, 4.9 GB float64, 2.45 GB float32; driver 16 M^2 = 1.6 GB + centres and vectors
        MemoryPlan p = MemoryPlan.nystrom(60000, 10000, 784, 10, false, MemoryPlan.CachePrecision.AUTO, false, local(6, 16));
        assertEquals(Precision.FLOAT64, p.cachePrecision());
        assertEquals((long) (8 * 6e8 * 1.02), p.cacheBytes());
        assertEquals(16L * 10000 * 10000 + 8L * 10000 * 784 + 8L * 60000 * 10 + 96L * 10000 * 10, p.driverBytes());
        assertTrue(p.lines()[0].contains("K_nM cache 4.90 GB in float64 (auto)"), p.lines()[0]);
        MemoryPlan p32 = MemoryPlan.nystrom(60000, 10000, 784, 10, false, MemoryPlan.CachePrecision.AUTO, false, local(4, 16));
        assertEquals(Precision.FLOAT32, p32.cachePrecision());
        UserError f64 = assertThrows(UserError.class, () -> MemoryPlan.nystrom(60000, 10000, 784, 10, false,
                MemoryPlan.CachePrecision.FLOAT64, false, local(4, 16)));
        assertTrue(f64.getMessage().contains("use --cache-precision float32 (2.45 GB), which fits"), f64.getMessage());
        UserError none = assertThrows(UserError.class, () -> MemoryPlan.nystrom(300000, 10000, 784, 10, false,
                MemoryPlan.CachePrecision.AUTO, false, local(8, 16)));
        assertTrue(none.getMessage().contains("use --matrix-free (recompute K_nM every pass), fewer --centers"), none.getMessage());
        MemoryPlan mf = MemoryPlan.nystrom(300000, 10000, 784, 10, true, MemoryPlan.CachePrecision.AUTO, false, local(8, 16));
        assertNull(mf.cachePrecision());
        // M = 40k: 25.6 GB of factors do not fit a 16 GB driver
        UserError drv = assertThrows(UserError.class, () -> MemoryPlan.nystrom(60000, 40000, 784, 10, true,
                MemoryPlan.CachePrecision.AUTO, false, local(8, 16)));
        assertTrue(drv.getMessage().contains("use fewer --centers or give the driver more memory"), drv.getMessage());
    }
}
