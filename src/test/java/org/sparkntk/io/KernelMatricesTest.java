package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.Matrices;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/** The BlockMatrix loader: K times a random matrix, distributed, against a dense product computed here. */
class KernelMatricesTest {

    @TempDir
    Path tmp;

    /** X (n2 x k) as a BlockMatrix with the kernel's block size. */
    private static BlockMatrix blocks(double[][] x, int b) {
        int n = x.length;
        int k = x[0].length;
        List<Tuple2<Tuple2<Object, Object>, Matrix>> list = new ArrayList<>();
        for (int bi = 0; bi * b < n; bi++) {
            int nr = Math.min(b, n - bi * b);
            double[] colMajor = new double[nr * k];
            for (int r = 0; r < nr; r++) {
                for (int c = 0; c < k; c++) {
                    colMajor[c * nr + r] = x[bi * b + r][c];
                }
            }
            list.add(new Tuple2<>(new Tuple2<>(bi, 0), Matrices.dense(nr, k, colMajor)));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
        return new BlockMatrix(KernelMatrices.withClassTag(jsc.parallelize(list, 3)), b, b, n, k);
    }

    private static void checkProduct(BlockMatrix kb, double[][] kd, int b) {
        int n = kd.length;
        int n2 = kd[0].length;
        assertEquals(n, kb.numRows());
        assertEquals(n2, kb.numCols());
        Random rnd = new Random(3);
        double[][] x = new double[n2][3];
        for (double[] row : x) {
            for (int c = 0; c < 3; c++) {
                row[c] = rnd.nextGaussian();
            }
        }
        Matrix got = kb.multiply(blocks(x, b)).toLocalMatrix();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                double want = 0;
                for (int j = 0; j < n2; j++) {
                    want += kd[i][j] * x[j][c];
                }
                assertEquals(want, got.apply(i, c), 1e-12 * (1 + Math.abs(want)), "(" + i + "," + c + ")");
            }
        }
        Matrix local = kb.toLocalMatrix();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n2; j++) {
                assertEquals(kd[i][j], local.apply(i, j), 0.0, "K(" + i + "," + j + ")");
            }
        }
    }

    @Test
    void symmetricGramWithRaggedBlocks() throws Exception {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 23, -1, 5, List.of("ntk", "nngp"), List.of(1, 3), false, true);
        BlockMatrix k = KernelMatrices.blockMatrix(LocalSpark.get(), out.toString(), "nngp", 3);
        k.validate();
        checkProduct(k, TileFixtures.dense("nngp", 3, 23, 23, true, false), 5);
    }

    @Test
    void crossKernelFloat32() throws Exception {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 11, 7, 4, List.of("ntk"), List.of(2), true, true);
        BlockMatrix k = KernelMatrices.blockMatrix(LocalSpark.get(), out.toString(), "ntk", 2);
        k.validate();
        checkProduct(k, TileFixtures.dense("ntk", 2, 11, 7, false, true), 4);
    }
}
