package org.sparkntk.regress;

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
        double[] diag = KernelTiles.diagonal(blocks, spec, KernelTiles.Kind.NTK, N);
        double[] dense = new double[N * N];
        Tiles.compute(spec, x, N, x, N, D, true, new int[] {3}, new double[][] {dense}, null);
        for (int i = 0; i < N; i++) {
            assertEquals(dense[i * N + i], diag[i], 1e-14 * dense[i * N + i], "diagonal " + i);
        }
        // matrix-free: the tiles RDD is not persisted, every pass recomputes them from the staged pairs
        JavaRDD<TileBlock> tiles = KernelTiles.tiles(KernelTiles.blockPairs(blocks, 3), spec, KernelTiles.Kind.NTK);
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
}
