package org.sparkntk.io;

import org.sparkntk.spec.KernelKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkntk.spec.UserError;

/**
 * Reading a kernel written by {@code ntk gram} (docs/format.md): list its tile files, read one in
 * any JVM (parquet-hadoop, no Spark SQL), read all of one kernel/depth as an RDD, or assemble a
 * small kernel densely.
 */
public final class TileStore {

    private TileStore() {
    }

    /** {@code OUT/tiles}. */
    public static Path tilesDir(String out) {
        return new Path(out, TileFiles.TILES_DIR);
    }

    /** The file of block pair (I, J). */
    public static Path tilePath(String out, int blockRow, int blockCol) {
        return new Path(tilesDir(out), TileFiles.fileName(blockRow, blockCol));
    }

    /** Block pairs (I, J) whose tile file is present under its final name (complete), in name order. */
    public static List<int[]> listTiles(Configuration conf, String out) throws IOException {
        Path dir = tilesDir(out);
        FileSystem fs = dir.getFileSystem(conf);
        List<int[]> pairs = new ArrayList<>();
        if (!fs.exists(dir)) {
            return pairs;
        }
        for (FileStatus st : fs.listStatus(dir)) {
            if (st.isFile()) {
                int[] ij = TileFiles.parseName(st.getPath().getName());
                if (ij != null) {
                    pairs.add(ij);
                }
            }
        }
        pairs.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        return pairs;
    }

    /** Every row (kernel, depth) of one tile file. */
    public static List<KernelTile> readTileFile(Configuration conf, String out, int blockRow, int blockCol) throws IOException {
        return TileFiles.read(conf, tilePath(out, blockRow, blockCol));
    }

    /** One tile of one kernel at one depth, read in this JVM; fails when the file lacks it. */
    public static Tile readTile(Configuration conf, String out, int blockRow, int blockCol, KernelKind kernel, int depth)
            throws IOException {
        List<KernelTile> rows = TileFiles.read(conf, tilePath(out, blockRow, blockCol), kernel, depth);
        if (rows.isEmpty()) {
            throw new IOException("tile " + tilePath(out, blockRow, blockCol) + " has no " + kernel.label() + " at depth " + depth);
        }
        return rows.get(0).tile();
    }

    /**
     * The manifest of a complete kernel, checking that {@code kernel} at {@code depth} is stored.
     *
     * @throws UserError when OUT is incomplete (no kernel.json) or lacks that kernel/depth
     */
    public static KernelManifest manifest(Configuration conf, String out, String kernel, int depth) {
        Path kj = new Path(out, KernelManifest.KERNEL_JSON);
        KernelManifest m;
        try {
            if (!kj.getFileSystem(conf).exists(kj)) {
                throw new UserError("'" + out + "' is not a complete kernel: " + KernelManifest.KERNEL_JSON
                        + " is missing (run 'ntk gram ... --resume' to finish it)");
            }
            m = KernelManifest.read(conf, kj);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KernelKind k = KernelKind.fromLabel(kernel);
        if (k == null || !m.has(k, depth)) {
            throw new UserError("'" + out + "' has no kernel '" + kernel + "' at depth " + depth + "; it has kernels "
                    + m.kernels() + " at depths " + m.depths());
        }
        return m;
    }

    /**
     * The stored tiles of {@code kernel} ('ntk' or 'nngp') at {@code depth} as an RDD, one tile per
     * file (for a symmetric Gram only block_row &lt;= block_col; see {@link Tile#transpose()}).
     */
    public static JavaRDD<Tile> readTiles(SparkSession spark, String out, String kernel, int depth) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        KernelManifest m = manifest(conf, out, kernel, depth);
        List<int[]> pairs;
        try {
            pairs = listTiles(conf, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (pairs.size() != m.tilePairs()) {
            throw new UserError("'" + out + "' has " + pairs.size() + " tile files but kernel.json lists " + m.tilePairs());
        }
        HadoopConf hc = new HadoopConf(conf);
        KernelKind k = KernelKind.fromLabel(kernel);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.max(1, Math.min(pairs.size(), jsc.defaultParallelism() * 4));
        return jsc.parallelize(pairs, slices).map(ij -> readTile(hc.get(), out, ij[0], ij[1], k, depth));
    }

    /**
     * The whole matrix of one kernel at one depth, assembled densely in this JVM (both triangles of a
     * symmetric Gram). For small kernels (tests, export): refuses above 2^31 - 1 entries.
     */
    public static double[][] dense(Configuration conf, String out, String kernel, int depth) throws IOException {
        KernelManifest m = manifest(conf, out, kernel, depth);
        long rows = m.n();
        long cols = m.cols();
        if (rows * cols > Integer.MAX_VALUE) {
            throw new UserError("kernel is " + rows + " x " + cols + "; too large to assemble densely in one JVM");
        }
        double[][] k = new double[(int) rows][(int) cols];
        KernelKind kk = KernelKind.fromLabel(kernel);
        for (int[] ij : listTiles(conf, out)) {
            Tile t = readTile(conf, out, ij[0], ij[1], kk, depth);
            put(k, t);
            if (m.symmetric() && !t.diagonal()) {
                put(k, t.transpose());
            }
        }
        return k;
    }

    private static void put(double[][] k, Tile t) {
        for (int i = 0; i < t.numRows(); i++) {
            System.arraycopy(t.values(), i * t.numCols(), k[(int) (t.rowStart() + i)], (int) t.colStart(), t.numCols());
        }
    }
}
