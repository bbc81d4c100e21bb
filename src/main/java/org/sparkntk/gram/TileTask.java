package org.sparkntk.gram;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.LongAccumulator;
import org.sparkntk.io.HadoopConf;
import org.sparkntk.io.KernelKind;
import org.sparkntk.io.KernelTile;
import org.sparkntk.io.Precision;
import org.sparkntk.io.Tile;
import org.sparkntk.io.TileFiles;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.Recursion;
import org.sparkntk.tile.TileKernels;
import org.sparkntk.tile.Tiles;

/**
 * The executor side of the tile jobs: for each block pair of a partition, read the two staged
 * blocks (cached per JVM), compute every kernel and depth in one pass ({@link Tiles#compute}) and
 * write the tile file ({@link TileFiles#write}). Serializable; holds only small settings.
 */
final class TileTask implements FlatMapFunction<Iterator<BlockPair>, TileReport>, Serializable {

    private static final long serialVersionUID = 1L;

    private final HadoopConf conf;
    private final String rowBlocksDir;
    private final String colBlocksDir;
    private final String tilesDir;
    private final String activation;
    private final double weightStd;
    private final double biasStd;
    private final int[] depths;
    private final boolean ntk;
    private final boolean nngp;
    private final Precision precision;
    private final boolean symmetric;
    private final LongAccumulator tilesDone;
    private final LongAccumulator entriesDone;

    TileTask(HadoopConf conf, String rowBlocksDir, String colBlocksDir, String tilesDir, NetworkSpec spec, int[] depths,
             boolean ntk, boolean nngp, Precision precision, boolean symmetric, LongAccumulator tilesDone,
             LongAccumulator entriesDone) {
        this.conf = conf;
        this.rowBlocksDir = rowBlocksDir;
        this.colBlocksDir = colBlocksDir;
        this.tilesDir = tilesDir;
        this.activation = spec.activation().name();
        this.weightStd = spec.weightStd();
        this.biasStd = spec.biasStd();
        this.depths = depths.clone();
        this.ntk = ntk;
        this.nngp = nngp;
        this.precision = precision;
        this.symmetric = symmetric;
        this.tilesDone = tilesDone;
        this.entriesDone = entriesDone;
    }

    @Override
    public Iterator<TileReport> call(Iterator<BlockPair> pairs) throws IOException {
        NetworkSpec spec = new NetworkSpec(depths[depths.length - 1], Activations.parse(activation), weightStd, biasStd);
        Configuration c = conf.get();
        Recursion rec = TileKernels.recursion();
        List<TileReport> out = new ArrayList<>();
        while (pairs.hasNext()) {
            out.add(compute(spec, c, rec, pairs.next()));
        }
        return out.iterator();
    }

    private TileReport compute(NetworkSpec spec, Configuration c, Recursion rec, BlockPair p) throws IOException {
        long t0 = System.nanoTime();
        Block a = BlockFiles.cached(c, BlockFiles.path(new Path(rowBlocksDir), p.row()), p.row());
        boolean diag = symmetric && p.row() == p.col();
        Block b = diag ? a : BlockFiles.cached(c, BlockFiles.path(new Path(colBlocksDir), p.col()), p.col());
        long t1 = System.nanoTime();
        int m = a.rows();
        int n = b.rows();
        double[][] ntkOut = ntk ? alloc(depths.length, m * n) : null;
        double[][] nngpOut = nngp ? alloc(depths.length, m * n) : null;
        TimedGemm gemm = new TimedGemm(TileKernels.gemm());
        Tiles.compute(spec, a.x(), m, b.x(), n, a.d(), diag, depths, ntkOut, nngpOut, gemm, rec);
        long t2 = System.nanoTime();
        List<KernelTile> rows = new ArrayList<>();
        add(rows, KernelKind.NTK, ntkOut, p, a, b);
        add(rows, KernelKind.NNGP, nngpOut, p, a, b);
        long bytes = TileFiles.write(c, new Path(tilesDir), p.row(), p.col(), rows, precision);
        long t3 = System.nanoTime();
        tilesDone.add(1);
        entriesDone.add((long) m * n);
        return new TileReport(p.row(), p.col(), m, n, a.d(), t1 - t0, gemm.nanos, (t2 - t1) - gemm.nanos, t3 - t2, bytes,
                gemm.name(), rec.name(), TileKernels.vectorSpecies());
    }

    private void add(List<KernelTile> rows, KernelKind kind, double[][] values, BlockPair p, Block a, Block b) {
        if (values == null) {
            return;
        }
        for (int k = 0; k < depths.length; k++) {
            rows.add(new KernelTile(kind, depths[k], new Tile(p.row(), p.col(), a.start(), b.start(), a.rows(), b.rows(), values[k])));
        }
    }

    private static double[][] alloc(int count, int size) {
        double[][] out = new double[count][];
        for (int i = 0; i < count; i++) {
            out[i] = new double[size];
        }
        return out;
    }
}
