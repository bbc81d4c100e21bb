package org.sparkntk.regress;

import org.sparkntk.truth.Specs;

import org.sparkntk.tile.Rows;

import org.sparkntk.spec.KernelKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.solve.PcgState;
import org.sparkntk.solve.Ridge;
import org.sparkntk.tile.Tiles;

/** The distributed solve: matrix-free tiles, diagonal without a tile pass, checkpoint and resume. */
class FitterTest {

    static SparkSession spark;
    /** Stop only a session this class started (other test classes may share theirs). */
    static boolean ownSession;
    static JavaSparkContext jsc;
    static final int N = 300;
    static final int D = 6;
    static final int B = 64;
    static double[] x;
    static double[] y;
    static NetworkSpec spec = new NetworkSpec(3, Activations.parse("relu"), 1.0, 0.1);

    @BeforeAll
    static void start() {
        ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("fitter-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Random r = new Random(8);
        x = new double[N * D];
        y = new double[N * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        for (int i = 0; i < N; i++) {
            y[2 * i] = Math.signum(x[i * D]);
            y[2 * i + 1] = x[i * D + 1] * x[i * D + 2];
        }
    }

    @AfterAll
    static void stop() {
        if (ownSession) {
            spark.stop();
        }
    }

    static JavaRDD<FeatureBlock> blocks() {
        List<FeatureBlock> bl = new ArrayList<>();
        for (int s = 0, i = 0; s < N; s += B, i++) {
            int m = Math.min(B, N - s);
            double[] xb = new double[m * D];
            System.arraycopy(x, s * D, xb, 0, m * D);
            bl.add(new FeatureBlock(i, s, m, D, xb));
        }
        return jsc.parallelize(bl, 2);
    }

    static Fitter.Options pcg(int maxIter, String ckpt) {
        return new Fitter.Options(new Ridge(1e-3, Ridge.Scale.TRACE), SolverChoice.Kind.PCG, 1e-12, maxIter, 0, 5,
                Long.MAX_VALUE, ckpt);
    }

    @Test
    void matrixFreeSolveResumesFromItsCheckpoint() throws Exception {
        JavaRDD<FeatureBlock> blocks = blocks();
        double[] diag = KernelTiles.diagonal(blocks, spec, KernelKind.NTK, N);
        double[] dense = new double[N * N];
        Tiles.compute(Specs.of(spec, new int[] {3}, new double[][] {dense}, null), new Rows(x, N, D),
                new Rows(x, N, D), true, new double[][] {dense}, null);
        for (int i = 0; i < N; i++) {
            assertEquals(dense[i * N + i], diag[i], 1e-14 * dense[i * N + i], "diagonal " + i);
        }
        // matrix-free: the tiles RDD is not persisted, every pass recomputes them from the staged pairs
        JavaRDD<TileBlock> tiles = KernelTiles.tiles(KernelTiles.blockPairs(blocks, 3), spec, KernelKind.NTK);
        assertFalse(tiles.getStorageLevel().useMemory());
        List<String> log = new ArrayList<>();
        Fitter.Fit straight = Fitter.fit(jsc, tiles, N, B, diag, y, 2, pcg(25, null), log::add);
        assertEquals(25, straight.result().iterations());

        String ckpt = Files.createTempDirectory("ckpt").toString();
        Fitter.Fit first = Fitter.fit(jsc, tiles, N, B, diag, y, 2, pcg(10, ckpt), log::add);
        assertEquals(10, first.result().iterations());
        PcgState saved = Checkpoints.load(jsc.hadoopConfiguration(), ckpt);
        assertNotNull(saved);
        assertEquals(10, saved.iteration());
        List<String> log2 = new ArrayList<>();
        Fitter.Fit resumed = Fitter.fit(jsc, tiles, N, B, diag, y, 2, pcg(25, ckpt), log2::add);
        assertTrue(log2.contains("pcg: resuming from the checkpoint at iteration 10"), log2.toString());
        assertEquals(15, log2.stream().filter(s -> s.startsWith("pcg iteration")).count(), "only the missing iterations ran");
        assertEquals(25, resumed.result().iterations());
        double scale = 0;
        for (double v : straight.alpha()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < straight.alpha().length; i++) {
            assertEquals(straight.alpha()[i], resumed.alpha()[i], 1e-10 * scale, "coefficient " + i);
        }
        // another problem (different ridge) ignores the checkpoint
        List<String> log3 = new ArrayList<>();
        Fitter.fit(jsc, tiles, N, B, diag, y, 2, new Fitter.Options(new Ridge(1e-2, Ridge.Scale.TRACE), SolverChoice.Kind.PCG,
                1e-12, 3, 0, 0, Long.MAX_VALUE, ckpt), log3::add);
        assertTrue(log3.stream().anyMatch(s -> s.startsWith("pcg: ignoring a checkpoint of another problem")), log3.toString());
    }

    /** Gaussian elimination with partial pivoting on a copy: the test's own direct solve, not the solvers' code. */
    static double[] gaussSolve(double[] a, int n, double[] b, int k) {
        double[] m = a.clone();
        double[] x = b.clone();
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) {
                    p = r;
                }
            }
            for (int j = 0; j < n; j++) {
                double t = m[c * n + j];
                m[c * n + j] = m[p * n + j];
                m[p * n + j] = t;
            }
            for (int j = 0; j < k; j++) {
                double t = x[c * k + j];
                x[c * k + j] = x[p * k + j];
                x[p * k + j] = t;
            }
            for (int r = c + 1; r < n; r++) {
                double f = m[r * n + c] / m[c * n + c];
                for (int j = c; j < n; j++) {
                    m[r * n + j] -= f * m[c * n + j];
                }
                for (int j = 0; j < k; j++) {
                    x[r * k + j] -= f * x[c * k + j];
                }
            }
        }
        for (int c = n - 1; c >= 0; c--) {
            for (int j = 0; j < k; j++) {
                double v = x[c * k + j];
                for (int r = c + 1; r < n; r++) {
                    v -= m[c * n + r] * x[r * k + j];
                }
                x[c * k + j] = v / m[c * n + c];
            }
        }
        return x;
    }

    static double norm(double[] v) {
        double s = 0;
        for (double e : v) {
            s += e * e;
        }
        return Math.sqrt(s);
    }

    @Test
    void float32CacheSolvesTheRoundedKernelAndStaysWithinItsPerturbationBound() {
        JavaRDD<FeatureBlock> blocks = blocks();
        double[] diag = KernelTiles.diagonal(blocks, spec, KernelKind.NTK, N);
        JavaRDD<TileBlock> tiles = KernelTiles.tiles(KernelTiles.blockPairs(blocks, 3), spec, KernelKind.NTK)
                .map(t -> t.withPrecision(org.sparkntk.spec.Precision.FLOAT32)).cache();
        assertEquals(org.sparkntk.spec.Precision.FLOAT32, tiles.first().precision());
        Fitter.Options opt = new Fitter.Options(new Ridge(1e-3, Ridge.Scale.TRACE), SolverChoice.Kind.PCG, 1e-11, 500, 50, 0,
                Long.MAX_VALUE, null);
        Fitter.Fit fit = Fitter.fit(jsc, tiles, N, B, diag, y, 2, opt, s -> { });
        assertTrue(fit.result().allConverged());
        double[] k64 = new double[N * N];
        Tiles.compute(Specs.of(spec, new int[] {3}, new double[][] {k64}, null), new Rows(x, N, D),
                new Rows(x, N, D), true, new double[][] {k64}, null);
        double[] k32 = new double[N * N];
        double[] err = new double[N * N];
        for (int i = 0; i < N * N; i++) {
            k32[i] = (float) k64[i];
            err[i] = k32[i] - k64[i];
        }
        double lambda = fit.lambda();
        for (int i = 0; i < N; i++) {
            k32[i * N + i] += lambda;
            k64[i * N + i] += lambda;
        }
        // the float32 cache solves exactly the kernel rounded to float32 (to the PCG tolerance)
        double[] a32 = gaussSolve(k32, N, y, 2);
        double[] a64 = gaussSolve(k64, N, y, 2);
        double[] d32 = fit.alpha().clone();
        double[] d64 = fit.alpha().clone();
        for (int i = 0; i < d32.length; i++) {
            d32[i] -= a32[i];
            d64[i] -= a64[i];
        }
        assertTrue(norm(d32) <= 1e-8 * norm(a32), "from the rounded kernel's solve: " + norm(d32) / norm(a32));
        // and the float64 solution to first order within ||E|| ||alpha|| / lambda (E: the rounding, ||E||_2 <= ||E||_F)
        double bound = norm(err) * norm(a64) / lambda;
        assertTrue(norm(d64) <= bound, "from the float64 solve: " + norm(d64) + " > bound " + bound);
        assertTrue(norm(d64) > 0, "the rounding must show");
        tiles.unpersist();
    }
}
