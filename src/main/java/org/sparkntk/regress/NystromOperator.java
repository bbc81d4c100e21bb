package org.sparkntk.regress;

import org.sparkntk.io.JobLabel;

import dev.ludovic.netlib.blas.BLAS;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.solve.RectangularOperator;
import org.sparkntk.tile.PanelProduct;
import org.sparkntk.tile.TileKernels;
import scala.Tuple2;

/**
 * K_nM = K(X, C) as one tile per training row block (rows x M, float64 or float32) on the
 * executors, cached or recomputed per pass: the Nystrom solver's operator. {@link #normal} does
 * both skinny products of a CG iteration in one Spark job: each tile computes w = K_b v and adds
 * K_b^T w into a partition's M x k sum, so only M x k per partition comes back to the driver.
 * The products run stored panel by stored panel through the panel product of the tiles'
 * precision ({@link TileKernels#panelProduct}: float64 accumulation, float32 widened in registers),
 * with the M x k vectors and sums held transposed (k x M) per task.
 */
public final class NystromOperator implements RectangularOperator {

    private final JavaSparkContext jsc;
    private final JavaRDD<TileBlock> tiles;
    private final int n;
    private final int m;
    private final String label;
    private int passes;

    /** @param tiles one tile per training row block, numCols = M (see {@link #tiles}) */
    public NystromOperator(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, int m, String label) {
        this.jsc = jsc;
        this.tiles = tiles;
        this.n = n;
        this.m = m;
        this.label = label;
    }

    /** The K_nM tiles of the training blocks against the centres (lazy: persist them for a cached operator). */
    public static JavaRDD<TileBlock> tiles(JavaSparkContext jsc, JavaRDD<FeatureBlock> blocks, Broadcast<FeatureBlock> centres,
                                           NetworkSpec netSpec, org.sparkntk.spec.KernelKind kind) {
        org.sparkntk.spec.KernelSpec ks = org.sparkntk.spec.KernelSpec.of(netSpec, kind);
        return blocks.map(b -> {
            FeatureBlock c = centres.value();
            return new TileBlock(b.index(), 0, b.start(), 0, b.rows(), c.rows(),
                    KernelTiles.tile(ks, b, c, false));
        });
    }

    /**
     * K(X, C) as a dense row-major N x |C| array on the driver (for the columns centre selection
     * fetches). The tiles are computed and persisted by one job, then fetched one partition at a
     * time: N |C| values in one {@code collect} would exceed spark.driver.maxResultSize (1 GB by
     * default: 60000 x 2500 float64 is 1.2 GB, rpcholesky's column block at M = 10000).
     */
    static double[] crossKernel(JavaSparkContext jsc, JavaRDD<FeatureBlock> blocks, FeatureBlock c, NetworkSpec spec,
                                org.sparkntk.spec.KernelKind kind, int n) {
        Broadcast<FeatureBlock> bc = jsc.broadcast(c);
        JavaRDD<TileBlock> tiles = tiles(jsc, blocks, bc, spec, kind).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            tiles.count();
            int r = c.rows();
            double[] out = new double[n * r];
            for (Iterator<TileBlock> it = tiles.toLocalIterator(); it.hasNext(); ) {
                TileBlock t = it.next();
                for (int i = 0; i < t.numRows(); i++) {
                    t.copyRow(i, out, (int) ((t.rowStart() + i) * r));
                }
            }
            return out;
        } finally {
            tiles.unpersist(false);
            bc.destroy();
        }
    }

    /**
     * K(C, C) as a full symmetric row-major M x M array, computed in float64 on the executors by
     * centre block pairs (I &lt;= J), fetched one partition at a time, mirrored on the driver. The
     * pairs are computed and persisted by one job on every core first: {@code toLocalIterator}
     * alone runs one job per partition when the driver reaches it, i.e. on one core at a time.
     */
    public static double[] kmm(JavaSparkContext jsc, Centers c, NetworkSpec netSpec, org.sparkntk.spec.KernelKind kind, int blockSize) {
        int m = c.m();
        int d = c.d();
        int nb = (m + blockSize - 1) / blockSize;
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < nb; i++) {
            for (int j = i; j < nb; j++) {
                pairs.add(new int[] {i, j});
            }
        }
        Broadcast<FeatureBlock> bc = jsc.broadcast(c.block());
        org.sparkntk.spec.KernelSpec ks = org.sparkntk.spec.KernelSpec.of(netSpec, kind);
        JavaRDD<TileBlock> tiles = jsc.parallelize(pairs, Math.max(1, Math.min(pairs.size(), 4 * jsc.defaultParallelism())))
                .map(p -> {
                    FeatureBlock all = bc.value();
                    FeatureBlock a = slice(all, p[0], blockSize);
                    FeatureBlock b = slice(all, p[1], blockSize);
                    return new TileBlock(p[0], p[1], a.start(), b.start(), a.rows(), b.rows(),
                            KernelTiles.tile(ks, a, b, p[0] == p[1]));
                }).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            tiles.count();
            double[] k = new double[m * m];
            Iterator<TileBlock> it = tiles.toLocalIterator();
            while (it.hasNext()) {
                TileBlock t = it.next();
                for (int i = 0; i < t.numRows(); i++) {
                    t.copyRow(i, k, (int) ((t.rowStart() + i) * m + t.colStart()));
                }
            }
            org.sparkntk.tile.Gemm.mirrorUpper(k, m);
            return k;
        } finally {
            tiles.unpersist(false);
            bc.destroy();
        }
    }

    private static FeatureBlock slice(FeatureBlock all, int index, int blockSize) {
        int start = index * blockSize;
        int rows = Math.min(blockSize, all.rows() - start);
        double[] x = java.util.Arrays.copyOfRange(all.x(), start * all.d(), (start + rows) * all.d());
        return new FeatureBlock(index, start, rows, all.d(), x);
    }

    /**
     * Scores K(T, C) beta for the test blocks, each task computing its test x centre tile and
     * dropping it. Returns row-major nTest x k in test row order.
     */
    public static double[] predict(JavaSparkContext jsc, JavaRDD<FeatureBlock> test, FeatureBlock centres, NetworkSpec spec,
                                   org.sparkntk.spec.KernelKind kind, double[] beta, int k, long nTest) {
        Broadcast<FeatureBlock> bc = jsc.broadcast(centres);
        Broadcast<double[]> bb = jsc.broadcast(beta);
        org.sparkntk.spec.KernelSpec ks = org.sparkntk.spec.KernelSpec.of(spec, kind);
        try {
            List<Tuple2<Long, double[]>> parts = test.map(t -> {
                FeatureBlock c = bc.value();
                double[] kt = KernelTiles.transientTile(ks, t, c, false);
                double[] y = new double[t.rows() * k];
                // y^T (k x rows) = beta^T (k x M) K^T
                BLAS.getInstance().dgemm("N", "N", k, t.rows(), c.rows(), 1.0, bb.value(), k, kt, c.rows(), 0.0, y, k);
                return new Tuple2<>(t.start(), y);
            }).collect();
            double[] scores = new double[(int) (nTest * k)];
            for (Tuple2<Long, double[]> p : parts) {
                System.arraycopy(p._2(), 0, scores, (int) (p._1() * k), p._2().length);
            }
            return scores;
        } finally {
            bc.destroy();
            bb.destroy();
        }
    }

    /**
     * Depth of the reduction of the per-partition M x k sums: at depth 2 the executors add them up
     * in about sqrt(P) groups first, so the driver receives O(sqrt(P)) arrays instead of one per
     * partition (P ~ N / block size: 10^4 partitions at N = 10^7).
     */
    static final int TREE_DEPTH = 2;

    /** Passes over K_nM so far. */
    public int passes() {
        return passes;
    }

    @Override
    public int rows() {
        return n;
    }

    @Override
    public int cols() {
        return m;
    }

    @Override
    public void normal(double[] v, int k, double[] out) {
        passes++;
        String jobLabel = label + ": K_nM^T K_nM v, pass " + passes + " (" + k + " outputs)";
        Broadcast<double[]> bv = jsc.broadcast(v);
        int mk = m * k;
        int mm = m;
        try {
            double[] sum = JobLabel.call(jsc.sc(), jobLabel, () -> tiles.mapPartitions(it -> {
                double[] vT = transpose(bv.value(), mm, k);
                double[] accT = new double[mk];
                while (it.hasNext()) {
                    TileBlock t = it.next();
                    PanelProduct pp = TileKernels.panelProduct(t.precision());
                    double[] w = new double[t.panelRows() * k];
                    for (int q = 0; q < t.panelCount(); q++) {
                        // w (p x k) = K_p v, then acc^T += (K_p^T w)^T: the panel is read from memory once
                        // and from cache the second time
                        java.util.Arrays.fill(w, 0.0);
                        t.multiplyPanel(q, pp, k, vT, w, 0, null, 0, null);
                        t.multiplyPanel(q, pp, k, null, null, 0, w, 0, accT);
                    }
                }
                return List.of(transpose(accT, k, mm)).iterator();
            }).treeReduce(TileOperator::addInto, TREE_DEPTH));
            System.arraycopy(sum, 0, out, 0, mk);
        } finally {
            bv.destroy();
        }
    }

    @Override
    public void applyTranspose(double[] u, int k, double[] out) {
        passes++;
        String jobLabel = label + ": K_nM^T u, pass " + passes;
        Broadcast<double[]> bu = jsc.broadcast(u);
        int mk = m * k;
        int mm = m;
        try {
            double[] sum = JobLabel.call(jsc.sc(), jobLabel, () -> tiles.mapPartitions(it -> {
                double[] accT = new double[mk];
                double[] y = bu.value();
                while (it.hasNext()) {
                    TileBlock t = it.next();
                    t.multiplyPanels(TileKernels.panelProduct(t.precision()), k, null, null, 0, y, (int) (t.rowStart() * k), accT);
                }
                return List.of(transpose(accT, k, mm)).iterator();
            }).treeReduce(TileOperator::addInto, TREE_DEPTH));
            System.arraycopy(sum, 0, out, 0, mk);
        } finally {
            bu.destroy();
        }
    }

    @Override
    public void apply(double[] v, int k, double[] out) {
        passes++;
        String jobLabel = label + ": K_nM v, pass " + passes;
        Broadcast<double[]> bv = jsc.broadcast(v);
        int mm = m;
        try {
            List<Tuple2<Long, double[]>> parts = JobLabel.call(jsc.sc(), jobLabel, () -> tiles.mapPartitions(it -> {
                double[] vT = transpose(bv.value(), mm, k);
                List<Tuple2<Long, double[]>> ws = new ArrayList<>();
                while (it.hasNext()) {
                    TileBlock t = it.next();
                    double[] w = new double[t.numRows() * k];
                    t.multiplyPanels(TileKernels.panelProduct(t.precision()), k, vT, w, 0, null, 0, null);
                    ws.add(new Tuple2<>(t.rowStart(), w));
                }
                return ws.iterator();
            }).collect());
            for (Tuple2<Long, double[]> p : parts) {
                System.arraycopy(p._2(), 0, out, (int) (p._1() * k), p._2().length);
            }
        } finally {
            bv.destroy();
        }
    }

    /** The transpose of a row-major rows x cols array (k x M views of the M x k vectors for the panel product). */
    static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }
}
