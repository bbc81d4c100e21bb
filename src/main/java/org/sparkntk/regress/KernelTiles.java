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
import org.sparkntk.tile.TileKernels;
import org.sparkntk.tile.Tiles;
import scala.Tuple2;

/** Kernel tiles computed in tasks with the tile kernel ({@link Tiles#compute}) from feature blocks. */
public final class KernelTiles {

    private KernelTiles() {
    }

    /**
     * Per thread, the Gram product's scratch tile and a transient output tile, each kept while
     * tiles of one shape follow: a fresh 8 MB tile (block size 1000) is fresh memory, whose first
     * touch is the costly part here (docs/benchmarks.md, "First touch of fresh memory").
     */
    private static final ThreadLocal<double[]> GRAM = new ThreadLocal<>();
    private static final ThreadLocal<double[]> TRANSIENT = new ThreadLocal<>();

    /** One kernel tile between two blocks, in a new array. */
    static double[] tile(KernelSpec k, FeatureBlock a, FeatureBlock b, boolean symmetric) {
        return tileInto(k, a, b, symmetric, new double[a.rows() * b.rows()]);
    }

    /** As {@link #tile}, in this thread's transient array: valid until the thread's next call. */
    static double[] transientTile(KernelSpec k, FeatureBlock a, FeatureBlock b, boolean symmetric) {
        return tileInto(k, a, b, symmetric, scratch(TRANSIENT, a.rows() * b.rows()));
    }

    private static double[] tileInto(KernelSpec k, FeatureBlock a, FeatureBlock b, boolean symmetric, double[] out) {
        double[][] target = {out};
        Tiles.compute(k, new Rows(a.x(), a.rows(), a.d()), new Rows(b.x(), b.rows(), b.d()), symmetric,
                k.has(KernelKind.NTK) ? target : null, k.has(KernelKind.NNGP) ? target : null,
                TileKernels.gemm(), TileKernels.recursion(), scratch(GRAM, a.rows() * b.rows()));
        return out;
    }

    private static double[] scratch(ThreadLocal<double[]> holder, int size) {
        double[] s = holder.get();
        if (s == null || s.length != size) {
            s = new double[size];
            holder.set(s);
        }
        return s;
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
            double[] v = transientTile(k, a, b, sym); // both TileBlock forms copy it into their panels
            return f32 ? TileBlock.float32(a.index(), b.index(), a.start(), b.start(), a.rows(), b.rows(), v)
                    : new TileBlock(a.index(), b.index(), a.start(), b.start(), a.rows(), b.rows(), v);
        });
    }

    /**
     * The upper-triangle float64 tiles of K(X, X) as {@link TileBlock#view views} of each task
     * thread's transient tile: a tile is valid only until the next one of its partition is
     * computed. For the dense assembly, which copies each tile into K as it comes and so skips a
     * copy of 8 MB per tile into fresh panels; never persist these.
     */
    public static JavaRDD<TileBlock> tileViews(JavaRDD<FeatureBlock[]> pairs, NetworkSpec netSpec, KernelKind kind) {
        KernelSpec k = KernelSpec.of(netSpec, kind);
        return pairs.map(p -> {
            FeatureBlock a = p[0];
            FeatureBlock b = p[1];
            double[] v = transientTile(k, a, b, a.index() == b.index());
            return TileBlock.view(a.index(), b.index(), a.start(), b.start(), a.rows(), b.rows(), v);
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
            double[] kt = transientTile(spec, test, x, false);
            blas.dgemm("N", "N", k, test.rows(), x.rows(), 1.0, c, (int) (x.start() * k), k, kt, 0, x.rows(), 1.0, y, 0, k);
        }
        return y;
    }

    /**
     * {@code ntk.assemble=auto|packed}: how tasks hand their tiles to {@link #assemble}. {@code auto}
     * copies a tile straight into K when the task runs in the driver's JVM (a local master) and
     * packs it otherwise; {@code packed} always packs (the cluster path, for tests and benchmarks).
     */
    public static final String ASSEMBLE_PROPERTY = "ntk.assemble";

    /**
     * The dense arrays being assembled in this JVM, by assembly id. A task that finds its id here
     * runs in the driver's JVM and writes its rows of K in place; on an executor JVM the map is
     * empty and the task packs its tiles.
     */
    private static final java.util.concurrent.ConcurrentHashMap<String, double[]> IN_PROCESS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** K and how its tiles arrived: copied in place by tasks in the driver's JVM, or packed and sent as task results. */
    public record Assembled(double[] k, long tilesInPlace, long tilesPacked) {

        /** For the log: the route the tiles took. */
        public String route() {
            if (tilesPacked == 0) {
                return tilesInPlace + " tiles copied in place by tasks in the driver's JVM";
            }
            return tilesPacked + " tiles sent packed as task results"
                    + (tilesInPlace > 0 ? ", " + tilesInPlace + " copied in place" : "");
        }
    }

    /**
     * K as a dense row-major N x N array on the driver from its upper-triangle float64 tiles, each
     * copied to its place and mirrored onto the lower triangle. A task in the driver's JVM (a local master,
     * unless {@link #ASSEMBLE_PROPERTY} is {@code packed}) copies and mirrors its tiles straight into K and
     * returns nothing: no result serialization, no second copy on the driver, and K's pages are
     * written by every core rather than by one pass on the driver after. A task elsewhere
     * sends its partition's tiles as one byte array of raw little-endian doubles ({@link #pack}),
     * copied into K as it arrives. Packed results go in one job unless their bytes exceed half of
     * {@code spark.driver.maxResultSize} (1 GB by default, the upper triangle at N ~ 16000): then
     * the partitions go in batches that stay below it, each batch still computed on every core.
     */
    public static double[] assemble(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n) {
        return assemble(jsc, tiles, n, inProcessAllowed()).k();
    }

    /** Whether {@link #ASSEMBLE_PROPERTY} lets tasks in the driver's JVM copy their tiles in place. */
    public static boolean inProcessAllowed() {
        String v = System.getProperty(ASSEMBLE_PROPERTY, "auto");
        if (!v.equalsIgnoreCase("auto") && !v.equalsIgnoreCase("packed")) {
            throw new IllegalArgumentException("-D" + ASSEMBLE_PROPERTY + "=" + v + ": allowed are auto and packed");
        }
        return v.equalsIgnoreCase("auto");
    }

    /** As {@link #assemble(JavaSparkContext, JavaRDD, int)}; {@code inProcess} false always packs. */
    public static Assembled assemble(JavaSparkContext jsc, JavaRDD<TileBlock> tiles, int n, boolean inProcess) {
        double[] dense = new double[n * n];
        int parts = tiles.getNumPartitions();
        long limit = jsc.sc().getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g");
        // the bytes of the upper triangle's tiles, spread evenly over the partitions
        double perPartition = 8.0 * ((double) n * n / 2 + (double) n * Math.min(n, 1024) / 2) / Math.max(1, parts);
        int batch = inProcess || limit <= 0 ? parts
                : (int) Math.max(1, Math.min(parts, Math.floor(0.5 * limit / perPartition)));
        String id = inProcess ? java.util.UUID.randomUUID().toString() : null;
        long[] counts = new long[2];
        scala.Function2<org.apache.spark.TaskContext, scala.collection.Iterator<TileBlock>, PartResult> part =
                (scala.Function2<org.apache.spark.TaskContext, scala.collection.Iterator<TileBlock>, PartResult>
                        & java.io.Serializable) (ctx, it) -> {
                    double[] target = id == null ? null : IN_PROCESS.get(id);
                    if (target == null) {
                        // one tile at a time: a view is overwritten by the next tile
                        List<byte[]> l = new ArrayList<>();
                        while (it.hasNext()) {
                            l.add(pack(List.of(it.next())));
                        }
                        return new PartResult(0, l.toArray(new byte[0][]));
                    }
                    int copied = 0;
                    while (it.hasNext()) {
                        copyInto(it.next(), target, n);
                        copied++;
                    }
                    return new PartResult(copied, new byte[0][]);
                };
        if (id != null) {
            IN_PROCESS.put(id, dense);
        }
        try {
            for (int p0 = 0; p0 < parts; p0 += batch) {
                List<Object> ids = new ArrayList<>();
                for (int p = p0; p < Math.min(parts, p0 + batch); p++) {
                    ids.add(p);
                }
                @SuppressWarnings("unchecked")
                scala.collection.immutable.Seq<Object> seq = (scala.collection.immutable.Seq<Object>)
                        scala.jdk.javaapi.CollectionConverters.asScala(ids).toSeq();
                jsc.sc().runJob(tiles.rdd(), part, seq, (Object index, PartResult r) -> {
                    counts[0] += r.inPlace();
                    for (byte[] tile : r.packed()) {
                        counts[1] += unpack(tile, dense, n);
                    }
                    return scala.runtime.BoxedUnit.UNIT;
                }, scala.reflect.ClassTag$.MODULE$.apply(PartResult.class));
            }
        } finally {
            if (id != null) {
                IN_PROCESS.remove(id);
            }
        }
        return new Assembled(dense, counts[0], counts[1]);
    }

    /** A partition's share of {@link #assemble}: the count of tiles copied in place, or its tiles each {@link #pack}ed. */
    private record PartResult(int inPlace, byte[][] packed) implements java.io.Serializable {
    }

    /**
     * Copies a float64 upper tile's rows into the dense row-major N x N array at its place, and an
     * off-diagonal one onto its mirror place too (a diagonal tile holds both triangles already).
     */
    private static void copyInto(TileBlock t, double[] dense, int n) {
        if (t.precision() != org.sparkntk.spec.Precision.FLOAT64) {
            throw new IllegalArgumentException("the dense solve assembles float64 tiles only");
        }
        for (int i = 0; i < t.numRows(); i++) {
            t.copyRow(i, dense, (int) ((t.rowStart() + i) * n + t.colStart()));
        }
        mirror(dense, n, (int) t.rowStart(), (int) t.colStart(), t.numRows(), t.numCols());
    }

    /** The lower-triangle copy of an upper tile already in K (none for a diagonal tile). */
    private static void mirror(double[] dense, int n, int r0, int c0, int rows, int cols) {
        if (r0 != c0) {
            org.sparkntk.tile.Gemm.mirrorBlock(dense, n, r0, c0, rows, cols);
        }
    }

    /** Bytes of a packed tile's header: row start, column start, rows, columns (ints). */
    private static final int PACK_HEADER = 16;

    /**
     * Float64 tiles as one little-endian byte array: per tile a {@link #PACK_HEADER}-byte header,
     * then its rows x cols values row-major. A byte array is serialized as one bulk write, where
     * a tile's double arrays went value by value through Java serialization.
     */
    static byte[] pack(List<TileBlock> tiles) {
        long bytes = 0;
        for (TileBlock t : tiles) {
            if (t.precision() != org.sparkntk.spec.Precision.FLOAT64) {
                throw new IllegalArgumentException("the dense solve assembles float64 tiles only");
            }
            if (t.rowStart() > Integer.MAX_VALUE || t.colStart() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the dense solve holds at most 46340 rows");
            }
            bytes += PACK_HEADER + 8L * t.numRows() * t.numCols();
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a partition's tiles (" + bytes + " bytes) do not fit one array");
        }
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate((int) bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (TileBlock t : tiles) {
            int cols = t.numCols();
            bb.putInt((int) t.rowStart()).putInt((int) t.colStart()).putInt(t.numRows()).putInt(cols);
            java.nio.DoubleBuffer db = bb.asDoubleBuffer();
            double[] row = new double[cols];
            for (int i = 0; i < t.numRows(); i++) {
                t.copyRow(i, row, 0);
                db.put(row, 0, cols);
            }
            bb.position(bb.position() + 8 * t.numRows() * cols);
        }
        return bb.array();
    }

    /** Copies the tiles of {@link #pack} into the dense row-major N x N array, each onto its mirror place too. */
    static int unpack(byte[] packed, double[] dense, int n) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(packed).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int tiles = 0;
        while (bb.hasRemaining()) {
            tiles++;
            int r0 = bb.getInt();
            int c0 = bb.getInt();
            int rows = bb.getInt();
            int cols = bb.getInt();
            java.nio.DoubleBuffer db = bb.asDoubleBuffer();
            for (int i = 0; i < rows; i++) {
                db.get(dense, (r0 + i) * n + c0, cols);
            }
            mirror(dense, n, r0, c0, rows, cols);
            bb.position(bb.position() + 8 * rows * cols);
        }
        return tiles;
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
                    double[] kt = transientTile(spec, t, x, false);
                    double[] y = acc.computeIfAbsent(t.index(), b -> new double[t.rows() * k]);
                    // y^T (k x m) += alpha_J^T (k x n) K^T
                    blas.dgemm("N", "N", k, t.rows(), x.rows(), 1.0, a, (int) (x.start() * k), k, kt, 0, x.rows(),
                            1.0, y, 0, k);
                }
                List<Tuple2<Integer, double[]>> out = new ArrayList<>();
                acc.forEach((b, v) -> out.add(new Tuple2<>(b, v)));
                return out.iterator();
            });
            // each task's partial scores per test block (a test block's rows x k doubles) are summed
            // on the driver in partition order: no shuffle stage for a few MB
            double[] scores = new double[(int) (nTest * k)];
            for (Tuple2<Integer, double[]> p : parts.collect()) {
                double[] v = p._2();
                int off = p._1() * testBlockSize * k;
                for (int i = 0; i < v.length; i++) {
                    scores[off + i] += v[i];
                }
            }
            return scores;
        } finally {
            ba.destroy();
        }
    }
}
