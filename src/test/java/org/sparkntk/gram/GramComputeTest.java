package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.TileStore;
import org.sparkntk.tile.Float32Gram;

/**
 * {@code ntk gram --compute float32} end to end (Spark local[2], real Parquet, N = 300, d = 50,
 * blocks of 64 so there are diagonal, off-diagonal and ragged tiles) against the same job with
 * {@code --compute float64}, both read back with {@link TileStore#dense}; the option recorded in
 * kernel.json and checked on resume; a bad value refused with exit code 2.
 */
class GramComputeTest {

    static final int N = 300;
    static final int D = 50;

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static String in;

    /**
     * Random rows, and every tenth row replaced by a near-copy (cosine 1 - ~1e-7 .. 1 - 1e-2) or
     * a near-negated copy of the row before it, so some entries are past the recompute threshold.
     */
    @BeforeAll
    static void data() {
        spark = SparkTestSupport.session();
        double[][] x = SparkTestSupport.gaussian(N, D, 5);
        Random r = new Random(3);
        double[] deltas = {3e-4, 1e-3, 1e-2, 3e-2, 1e-1};
        for (int i = 10; i < N; i += 10) {
            double sign = (i / 10) % 2 == 0 ? 1 : -1;
            double delta = deltas[(i / 10) % deltas.length];
            for (int k = 0; k < D; k++) {
                x[i][k] = sign * x[i - 1][k] * 1.5 + delta * r.nextGaussian();
            }
        }
        List<Object> ids = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ids.add((long) i);
        }
        in = tmp.resolve("in").toString();
        SparkTestSupport.write(spark, in, ids, DataTypes.LongType, x);
    }

    /**
     * Bound, from docs/ntk-math.md "Float32 compute": for ReLU without bias the kernels on the
     * Cauchy-Schwarz scale depend on rho1 alone, with Lambda (largest slope over |rho1| &lt;= 0.99 +
     * eps) = 1 at depth 1 and 3.0 (to two digits, so below 3.05) at depth 3 (Float32AccuracyTest
     * prints the table), so an entry
     * is within 1.1 eps Lambda of the float64 path. The float64 path's own GEMM rounds differently
     * from the float64 dot products that recompute entries near rho1 = +-1; at the smallest 1 - rho1
     * here (~1e-8) that moves the angle by ~1e-14 / sqrt(2e-8) ~ 1e-10: the additive 1e-9.
     */
    @Test
    void float32ComputeMatchesFloat64WithinTheBound() throws Exception {
        String out64 = tmp.resolve("c64").toString();
        String out32 = tmp.resolve("c32").toString();
        var r64 = SparkTestSupport.cli("gram", "--input", in, "--output", out64, "--block-size", "64", "--depths", "1,3",
                "--master", "local[2]");
        assertEquals(0, r64.code(), r64.err());
        var r32 = SparkTestSupport.cli("gram", "--input", in, "--output", out32, "--block-size", "64", "--depths", "1,3",
                "--compute", "float32", "--master", "local[2]");
        assertEquals(0, r32.code(), r32.err());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        KernelManifest m32 = KernelManifest.readKernel(conf, out32);
        KernelManifest m64 = KernelManifest.readKernel(conf, out64);
        assertEquals("float32", m32.compute());
        assertEquals("float64", m32.precision(), "storage precision is a separate choice");
        assertEquals("float64", m64.compute());
        assertTrue(m32.executors().get("gemm").stream().allMatch(g -> g.contains("float32") || g.contains("sgemm")),
                "the float32 GEMM is named: " + m32.executors());
        double eps = Float32Gram.rhoErrorBound(D);
        double[] lambda = {1.0, 3.05};
        int[] depths = {1, 3};
        double worstRatio = 0;
        double worst = 0;
        for (String kernel : List.of("ntk", "nngp")) {
            for (int l = 0; l < 2; l++) {
                double[][] a = TileStore.dense(conf, out64, kernel, depths[l]);
                double[][] b = TileStore.dense(conf, out32, kernel, depths[l]);
                double bound = 1.1 * eps * lambda[l] + 1e-9;
                for (int i = 0; i < N; i++) {
                    assertEquals(a[i][i], b[i][i], 0.0, "the diagonal is the float64 diagonal recursion either way");
                    for (int j = 0; j < N; j++) {
                        double e = Math.abs(a[i][j] - b[i][j]) / Math.sqrt(a[i][i] * a[j][j]);
                        worst = Math.max(worst, e);
                        worstRatio = Math.max(worstRatio, e / bound);
                        if (!(e <= bound)) {
                            throw new AssertionError(kernel + " depth " + depths[l] + " entry (" + i + "," + j + "): float64 "
                                    + a[i][j] + ", float32 compute " + b[i][j] + ", error " + e + " > bound " + bound);
                        }
                    }
                }
            }
        }
        assertTrue(worst > 0, "float32 compute must differ somewhere from float64 (or it did not run)");
        System.out.println("gram --compute float32: worst error " + worst + " on the Cauchy-Schwarz scale, " + worstRatio
                + " of the bound");

        // resume checks the compute precision like every other part of the plan
        Files.delete(Path.of(out32, "kernel.json"));
        var refused = SparkTestSupport.cli("gram", "--input", in, "--output", out32, "--block-size", "64", "--depths", "1,3",
                "--resume");
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("compute is float64 now but was float32"), refused.err());
        var resumed = SparkTestSupport.cli("gram", "--input", in, "--output", out32, "--block-size", "64", "--depths", "1,3",
                "--compute", "float32", "--resume");
        assertEquals(0, resumed.code(), resumed.err());
    }

    @Test
    void badComputeValueIsRefusedNamingTheOption() {
        String out = tmp.resolve("bad").toString();
        var r = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--compute", "float16");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'compute' is 'float16' but must be float64 or float32"), r.err());
        assertTrue(Files.notExists(Path.of(out)), "nothing is created");
    }

    /** kernel.json written before --compute existed has no field: it reads as float64, and resumes as such. */
    @Test
    void manifestWithoutComputeFieldMeansFloat64() throws Exception {
        String json = "{\"formatVersion\":1,\"symmetric\":true,\"activation\":\"relu\",\"weightStd\":1.0,\"biasStd\":0.0,"
                + "\"depths\":[2],\"kernels\":[\"ntk\"],\"precision\":\"float64\",\"n\":10,\"d\":3,\"blockSize\":10,"
                + "\"rowBlocks\":1,\"colBlocks\":1,\"tilePairs\":1}";
        KernelManifest old = KernelManifest.fromJson(json);
        assertNull(old.compute());
        assertEquals(org.sparkntk.spec.Precision.FLOAT64, old.kernelSpec().compute());
        KernelManifest now = KernelManifest.fromJson(old.toJson().replace("\"tilePairs\"", "\"compute\" : \"float64\",\n  \"tilePairs\""));
        assertEquals(List.of(), now.planDifferences(old));
        KernelManifest f32 = KernelManifest.fromJson(json.replace("\"n\":", "\"compute\":\"float32\",\"n\":"));
        assertEquals(List.of("compute is float32 now but was float64"), f32.planDifferences(old));
    }
}
