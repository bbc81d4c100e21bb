package org.sparkntk.regress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.sparkntk.spec.KernelKind;
import org.sparkntk.tile.Rows;
import org.sparkntk.tile.Tiles;

/**
 * The kernel values rpcholesky centre selection fetches (K(X, C), N x |C| on the driver) arrive
 * whole and in place when they are larger than spark.driver.maxResultSize: the session here
 * allows 1 MB and K(X, C) is 1.44 MB, which one {@code collect} of all tiles refused (at full
 * size: 60000 x 2500 float64 = 1.2 GB against the default 1 GB, rpcholesky at M = 10000).
 * Truth: the tile kernel called here on the whole arrays, without Spark.
 */
class NystromCrossKernelTest {

    static SparkSession spark;
    static boolean ownSession;

    static final String LIMIT = "spark.driver.maxResultSize";
    static String before;

    @BeforeAll
    static void start() {
        ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("nystrom-cross-kernel-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        // the limit of a session another test class started cannot be set through the builder; each
        // stage reads it from the context's own conf (a TaskSetManager per stage), so set it there
        before = spark.sparkContext().conf().get(LIMIT, null);
        spark.sparkContext().conf().set(LIMIT, "1m");
    }

    @AfterAll
    static void stop() {
        if (before == null) {
            spark.sparkContext().conf().remove(LIMIT);
        } else {
            spark.sparkContext().conf().set(LIMIT, before);
        }
        if (ownSession) {
            spark.stop();
        }
    }

    @Test
    void theLimitHoldsInThisSession() {
        // 1.6 MB in one collect: refused, so the test below runs against the 1 MB limit
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Exception e = assertThrows(Exception.class, () -> jsc.parallelize(List.of(new double[200_000]), 1).collect());
        assertTrue(String.valueOf(e.getMessage()).contains("maxResultSize"), e.getMessage());
    }

    @Test
    void crossKernelLargerThanTheDriverResultLimitArrivesWhole() {
        int n = 1200;
        int d = 5;
        int bs = 100;
        int m = 150;
        Random r = new Random(5);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        List<FeatureBlock> blocks = new ArrayList<>();
        for (int b = 0; b * bs < n; b++) {
            blocks.add(new FeatureBlock(b, (long) b * bs, bs, d, java.util.Arrays.copyOfRange(x, b * bs * d, (b + 1) * bs * d)));
        }
        // centres: every 8th row, as centre selection passes them (row-major, in row order)
        double[] c = new double[m * d];
        for (int j = 0; j < m; j++) {
            System.arraycopy(x, 8 * j * d, c, j * d, d);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<FeatureBlock> rdd = jsc.parallelize(blocks, blocks.size());
        NetworkSpec spec = new NetworkSpec(2, Activations.parse("relu"), 1.0, 0.1);
        double[] got = NystromOperator.crossKernel(jsc, rdd, new FeatureBlock(0, 0, m, d, c), spec, KernelKind.NTK, n);
        assertTrue((long) n * m * 8 > 1L << 20, "the case must exceed the 1 MB limit");

        double[] want = new double[n * m];
        Tiles.compute(org.sparkntk.truth.Specs.of(spec, new int[] {spec.depth()}, new double[][] {want}, null),
                new Rows(x, n, d), new Rows(c, m, d), false, new double[][] {want}, null);
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-10 * Math.abs(want[i]) + 1e-14, "entry " + i);
        }
    }
}
