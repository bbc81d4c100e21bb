package org.sparkntk.regress;

import dev.ludovic.netlib.blas.BLAS;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.tile.Rows;
import org.sparkntk.tile.Tiles;
import scala.Tuple2;

/** Kernel tiles computed in tasks with the tile kernel ({@link Tiles#compute}) from feature blocks. */
public final class KernelTiles {

    private KernelTiles() {
    }

    /** One kernel tile between two blocks. */
    static double[] tile(KernelSpec k, FeatureBlock a, FeatureBlock b, boolean symmetric) {
        double[] out = new double[a.rows() * b.rows()];
        double[][] target = {out};
        Tiles.compute(k, new Rows(a.x(), a.rows(), a.d()), new Rows(b.x(), b.rows(), b.d()), symmetric,
                k.has(KernelKind.NTK) ? target : null, k.has(KernelKind.NNGP) ? target : null);
        return out;
    }

    /** The diagonal of K(X, X) (length N) from the diagonal recursion row by row: no tile pass. */
    public static double[] diagonal(JavaRDD<FeatureBlock> blocks, NetworkSpec netSpec, KernelKind kind, int n) {
        KernelSpec k = KernelSpec.of(netSpec, kind);
        List<Tuple2<Long, double[]>> parts = blocks.map(b -> {
            double[] dg = new double[b.rows()];
            double[] one = new double[1];
            double[][] target = {one};
            double[] row = new double[b.d()];
            Rows r = new Rows(row, 1, b.d());
            for (int i = 0; i < b.rows(); i++) {
                System.arraycopy(b.x(), i * b.d(), row, 0, b.d());
                Tiles.compute(k, r, r, true, k.has(KernelKind.NTK) ? target : null, k.has(KernelKind.NNGP) ? target : null);
                dg[i] = one[0];
            }
            return new Tuple2<>(b.start(), dg);
        }).collect();
        double[] d = new double[n];
        for (Tuple2<Long, double[]> p : parts) {
            System.arraycopy(p._2(), 0, d, (int) (long) p._1(), p._2().length);
        }
        return d;
    }

    /**
     * Pairs (I, J), I &lt;= J, of the training blocks, each holding both blocks' features: the input
     * of the symmetric Gram's tiles. Not persisted: a pair is rebuilt from the cached blocks when a
     * tile is (re)computed, since storing the pairs would replicate the features N / B times.
     */
    public static JavaRDD<FeatureBlock[]> blockPairs(JavaRDD<FeatureBlock> blocks, int partitions) {
        return blocks.cartesian(blocks)
                .filter(p -> p._1().index() <= p._2().index())
                .map(p -> new FeatureBlock[] {p._1(), p._2()})
                .coalesce(partitions);
    }

    /** The upper-triangle tiles of K(X, X) from the block pairs (lazy: persist them for a cached operator). */
    public static JavaRDD<TileBlock> tiles(JavaRDD<FeatureBlock[]> pairs, NetworkSpec netSpec, KernelKind kind) {
        return tiles(pairs, netSpec, kind, org.sparkntk.spec.Precision.FLOAT64);
    }

    /** As {@link #tiles(JavaRDD, NetworkSpec, KernelKind)}, stored at {@code precision} (computed in float64 either way). */
    public static JavaRDD<TileBlock> tiles(JavaRDD<FeatureBlock[]> pairs, NetworkSpec netSpec, KernelKind kind,
                                           org.sparkntk.spec.Precision precision) {
        KernelSpec k = KernelSpec.of(netSpec, kind);
        boolean f32 = precision == org.sparkntk.spec.Precision.FLOAT32;
        return pairs.map(p -> {
            FeatureBlock a = p[0];
            FeatureBlock b = p[1];
            boolean sym = a.index() == b.index();
            double[] v = tile(k, a, b, sym);
            return f32 ? TileBlock.float32(a.index(), b.index(), a.start(), b.start(), a.rows(), b.rows(), v)
                    : new TileBlock(a.index(), b.index(), a.start(), b.start(), a.rows(), b.rows(), v);
        });
    }

    /**
     * Scores K(T, B) c of one test block T against the coefficient rows B held in memory (the
     * training blocks, or the centres, in row order; each block's start is its first row of c,
     * row-major rows x k), one tile at a time: the executor side of the Spark ML models'
     * transform, with the same tile kernel and product as {@link #predict}. Returns T.rows x k.
     */
    public static double[] scores(KernelSpec spec, FeatureBlock test, FeatureBlock[] basis, double[] c, int k) {
        double[] y = new double[test.rows() * k];
        BLAS blas = BLAS.getInstance();
        for (FeatureBlock x : basis) {
            double[] kt = tile(spec, test, x, false);
            blas.dgemm("N", "N", k, test.rows(), x.rows(), 1.0, c, (int) (x.start() * k), k, kt, 0, x.rows(), 1.0, y, 0, k);
        }
        return y;
    }

    /**
     * Scores K(T, X) alpha for the test blocks T, streaming test x train tiles: each task computes one
     * tile, multiplies it by the training block's coefficients and drops it (the cross kernel is never
     * stored). Returns row-major nTest x k, in test row order.
     */
    public static double[] predict(JavaSparkContext jsc, JavaRDD<FeatureBlock> test, JavaRDD<FeatureBlock> train,
                                   NetworkSpec netSpec, KernelKind kind, double[] alpha, int k, long nTest, int testBlockSize,
                                   int partitions) {
        Broadcast<double[]> ba = jsc.broadcast(alpha);
        KernelSpec spec = KernelSpec.of(netSpec, kind);
        try {
            JavaPairRDD<Integer, double[]> parts = test.cartesian(train).coalesce(partitions).mapPartitionsToPair(it -> {
                Map<Integer, double[]> acc = new HashMap<>();
                BLAS blas = BLAS.getInstance();
                double[] a = ba.value();
                while (it.hasNext()) {
                    Tuple2<FeatureBlock, FeatureBlock> p = it.next();
                    FeatureBlock t = p._1();
                    FeatureBlock x = p._2();
                    double[] kt = tile(spec, t, x, false);
                    double[] y = acc.computeIfAbsent(t.index(), b -> new double[t.rows() * k]);
                    // y^T (k x m) += alpha_J^T (k x n) K^T
                    blas.dgemm("N", "N", k, t.rows(), x.rows(), 1.0, a, (int) (x.start() * k), k, kt, 0, x.rows(),
                            1.0, y, 0, k);
                }
                List<Tuple2<Integer, double[]>> out = new ArrayList<>();
                acc.forEach((b, v) -> out.add(new Tuple2<>(b, v)));
                return out.iterator();
            });
            Map<Integer, double[]> sums = parts.reduceByKey(TileOperator::addInto).collectAsMap();
            double[] scores = new double[(int) (nTest * k)];
            for (Map.Entry<Integer, double[]> e : sums.entrySet()) {
                System.arraycopy(e.getValue(), 0, scores, e.getKey() * testBlockSize * k, e.getValue().length);
            }
            return scores;
        } finally {
            ba.destroy();
        }
    }
}
