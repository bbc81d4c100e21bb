package org.sparkntk.regress;

import org.sparkntk.io.JobLabel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkntk.solve.SymmetricOperator;
import org.sparkntk.tile.TileKernels;
import scala.Tuple2;

/**
 * K as tiles on the executors (only blockRow &lt;= blockCol of the symmetric matrix): one Spark job
 * per application. Tile (I, J) adds K_IJ x_J to row block I and, off the diagonal, K_IJ^T x_I to
 * row block J; x is broadcast, the per-block partial sums are reduced by block (reduceByKey) and
 * only the N x k result comes back, so the driver holds O(N k).
 *
 * <p>Whether the tiles are cached (MEMORY_AND_DISK) or recomputed from the input blocks on every
 * pass (matrix-free) is decided by how the RDD was built; this class only reads it.
 */
public final class TileOperator implements SymmetricOperator {

    private final JavaSparkContext jsc;
    private final JavaRDD<TileBlock> tiles;
    private final int n;
    private final int blockSize;
    private final int reducers;
    private final String label;
    private double[] diag;
    private int passes;

    /**
     * @param tiles     the upper-triangle tiles (blockRow &lt;= blockCol), blocks of {@code blockSize} rows
     * @param label     prefix of the Spark job descriptions (e.g. "PCG")
     */
    public TileOperator(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, int blockSize, String label) {
        this.jsc = jsc;
        this.tiles = tiles;
        this.n = n;
        this.blockSize = blockSize;
        this.reducers = Math.max(1, Math.min(jsc.defaultParallelism(), (n + blockSize - 1) / blockSize));
        this.label = label;
    }

    /** Passes over the tiles so far (applications and column fetches). */
    public int passes() {
        return passes;
    }

    /**
     * Seconds of one plain pass that reads every cached value (a sum), the yardstick for the cost
     * of an iteration (which reads the same values for two skinny products per tile).
     */
    public double scanSeconds() {
        return JobLabel.call(jsc.sc(), label + ": scan pass over K (yardstick)", this::scan);
    }

    private double scan() {
        long t0 = System.nanoTime();
        tiles.map(TileBlock::sum).reduce(Double::sum);
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public int size() {
        return n;
    }

    private int blocks() {
        return (n + blockSize - 1) / blockSize;
    }

    /** Dense partial results per partition up to this size (one stage, reduced on the driver); above it, reduceByKey per block. */
    static long denseReduceLimitBytes = 256L << 20;

    @Override
    public void apply(double[] x, int k, double[] out) {
        passes++;
        JobLabel.run(jsc.sc(), label + ": K x pass " + passes + " (" + k + " outputs)", () -> multiply(x, k, out));
    }

    private void multiply(double[] x, int k, double[] out) {
        Broadcast<double[]> bx = jsc.broadcast(x);
        try {
            long partial = 8L * n * k;
            if (partial * tiles.getNumPartitions() <= denseReduceLimitBytes) {
                // one stage: every partition sums into a dense N x k array, the driver adds them up
                int nk = n * k;
                double[] sum = tiles.mapPartitions(it -> {
                    double[] acc = new double[nk];
                    multiplyInto(it, bx.value(), k, acc);
                    return java.util.List.of(acc).iterator();
                }).reduce(TileOperator::addInto);
                System.arraycopy(sum, 0, out, 0, nk);
                return;
            }
            JavaPairRDD<Integer, double[]> parts = tiles.mapPartitionsToPair(it -> multiply(it, bx.value(), k));
            Map<Integer, double[]> sums = parts.reduceByKey(TileOperator::addInto, reducers).collectAsMap();
            java.util.Arrays.fill(out, 0.0);
            for (Map.Entry<Integer, double[]> e : sums.entrySet()) {
                long start = (long) e.getKey() * blockSize;
                System.arraycopy(e.getValue(), 0, out, (int) (start * k), e.getValue().length);
            }
        } finally {
            bx.destroy();
        }
    }

    /** Adds the products of the tiles of one partition into a dense N x k array. */
    static void multiplyInto(Iterator<TileBlock> it, double[] x, int k, double[] acc) {
        while (it.hasNext()) {
            TileBlock t = it.next();
            tileProduct(t, x, k, acc, (int) (t.rowStart() * k), acc, (int) (t.colStart() * k));
        }
    }

    /**
     * yi += K x_J and (off the diagonal) yj += K^T x_I for one tile (x, yi, yj row-major, k per
     * row), stored panel by stored panel through the panel product of the tile's precision
     * ({@link TileKernels#panelProduct}): each value of K is read from memory once for both
     * products and a float32 value widens in registers, the products accumulating in float64.
     * x_J and the yj accumulator are held transposed (k x nc, per thread) for the kernel.
     */
    static void tileProduct(TileBlock t, double[] x, int k, double[] yi, int yiOff, double[] yj, int yjOff) {
        int nc = t.numCols();
        int xj = (int) (t.colStart() * k);
        boolean both = !t.diagonal();
        double[][] s = scratch(k * nc);
        double[] xT = s[0];
        double[] yT = both ? s[1] : null;
        for (int c = 0; c < nc; c++) {
            for (int o = 0; o < k; o++) {
                xT[o * nc + c] = x[xj + c * k + o];
            }
        }
        if (both) {
            java.util.Arrays.fill(yT, 0, k * nc, 0.0);
        }
        t.multiplyPanels(TileKernels.panelProduct(t.precision()), k, xT, yi, yiOff, both ? x : null,
                (int) (t.rowStart() * k), yT);
        if (both) {
            for (int c = 0; c < nc; c++) {
                for (int o = 0; o < k; o++) {
                    yj[yjOff + c * k + o] += yT[o * nc + c];
                }
            }
        }
    }

    private static final ThreadLocal<double[][]> SCRATCH = new ThreadLocal<>();

    /** Two per-thread arrays of at least {@code len} doubles (x_J and the yj accumulator, transposed). */
    static double[][] scratch(int len) {
        double[][] b = SCRATCH.get();
        if (b == null || b[0].length < len) {
            b = new double[][] {new double[len], new double[len]};
            SCRATCH.set(b);
        }
        return b;
    }

    /** Partial products of the tiles of one partition, summed per row block. */
    static Iterator<Tuple2<Integer, double[]>> multiply(Iterator<TileBlock> it, double[] x, int k) {
        Map<Integer, double[]> acc = new HashMap<>();
        while (it.hasNext()) {
            TileBlock t = it.next();
            int m = t.numRows();
            int nc = t.numCols();
            double[] yi = acc.computeIfAbsent(t.blockRow(), b -> new double[m * k]);
            double[] yj = t.diagonal() ? null : acc.computeIfAbsent(t.blockCol(), b -> new double[nc * k]);
            tileProduct(t, x, k, yi, 0, yj, 0);
        }
        List<Tuple2<Integer, double[]>> out = new ArrayList<>(acc.size());
        acc.forEach((b, v) -> out.add(new Tuple2<>(b, v)));
        return out.iterator();
    }

    static double[] addInto(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    @Override
    public double[] diagonal() {
        if (diag == null) {
            List<Tuple2<Long, double[]>> parts = JobLabel.call(jsc.sc(), label + ": diagonal of K",
                    () -> tiles.filter(TileBlock::diagonal).map(t -> {
                        double[] d = new double[t.numRows()];
                        for (int i = 0; i < d.length; i++) {
                            d[i] = t.get(i, i);
                        }
                        return new Tuple2<>(t.rowStart(), d);
                    }).collect());
            double[] d = new double[n];
            for (Tuple2<Long, double[]> p : parts) {
                System.arraycopy(p._2(), 0, d, (int) (long) p._1(), p._2().length);
            }
            diag = d;
        }
        return diag.clone();
    }

    @Override
    public double[] columns(int[] cols) {
        passes++;
        return JobLabel.call(jsc.sc(), label + ": " + cols.length + " columns of K (preconditioner)", () -> readColumns(cols));
    }

    private double[] readColumns(int[] cols) {
        int r = cols.length;
        int nb = blocks();
        // columns grouped by the block that holds them: block -> (local index, position in cols)
        List<List<int[]>> byBlock = new ArrayList<>(nb);
        for (int b = 0; b < nb; b++) {
            byBlock.add(new ArrayList<>());
        }
        for (int c = 0; c < r; c++) {
            byBlock.get(cols[c] / blockSize).add(new int[] {cols[c] % blockSize, c});
        }
        Broadcast<List<List<int[]>>> bsel = jsc.broadcast(byBlock);
        try {
            // every entry K(i, cols[c]) lies in exactly one stored tile (or its transpose), so each
            // tile sends only its own entries: N r values in all, no dense partial sums to reduce
            List<ColumnPiece> pieces = tiles.flatMap(t -> {
                List<List<int[]>> sel = bsel.value();
                List<ColumnPiece> out = new ArrayList<>(2);
                List<int[]> inJ = sel.get(t.blockCol());
                if (!inJ.isEmpty()) {
                    out.add(ColumnPiece.of(t, inJ, false));
                }
                List<int[]> inI = sel.get(t.blockRow());
                if (!t.diagonal() && !inI.isEmpty()) {
                    out.add(ColumnPiece.of(t, inI, true));
                }
                return out.iterator();
            }).collect();
            double[] out = new double[n * r];
            for (ColumnPiece p : pieces) {
                int m = p.positions().length;
                for (int i = 0; i < p.rows(); i++) {
                    long row = (p.rowStart() + i) * r;
                    for (int q = 0; q < m; q++) {
                        out[(int) (row + p.positions()[q])] = p.values()[i * m + q];
                    }
                }
            }
            return out;
        } finally {
            bsel.destroy();
        }
    }

    /**
     * Entries of K(:, cols) held by one tile: rows [rowStart, rowStart + rows) of the columns at
     * {@code positions} in the requested list, row-major rows x positions.length.
     */
    record ColumnPiece(long rowStart, int rows, int[] positions, double[] values) implements java.io.Serializable {

        /** The tile's columns {@code sel} (local index, position), or with {@code transpose} its rows as columns of K. */
        static ColumnPiece of(TileBlock t, List<int[]> sel, boolean transpose) {
            int m = sel.size();
            int rows = transpose ? t.numCols() : t.numRows();
            int[] pos = new int[m];
            double[] v = new double[rows * m];
            for (int q = 0; q < m; q++) {
                int local = sel.get(q)[0];
                pos[q] = sel.get(q)[1];
                for (int i = 0; i < rows; i++) {
                    v[i * m + q] = transpose ? t.get(local, i) : t.get(i, local);
                }
            }
            return new ColumnPiece(transpose ? t.colStart() : t.rowStart(), rows, pos, v);
        }
    }
}
