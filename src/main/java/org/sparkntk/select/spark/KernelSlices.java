package org.sparkntk.select.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.sparkntk.io.HadoopConf;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.regress.FeatureBlock;
import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.Tiles;

/**
 * One kernel pass for every (kernel, depth): each task computes an upper-triangle tile with all
 * requested depths and both kernels at once ({@link Tiles#compute}) and writes it to a staging
 * file, slice after slice; the driver then assembles one dense matrix per (kernel, depth) from the
 * slices, one at a time, so it holds a single N x N matrix however many depths and kernels there are,
 * and no kernel entry is computed twice. docs/select.md, "One kernel pass".
 */
final class KernelSlices {

    private KernelSlices() {
    }

    /** A block's place in the matrix (the driver's copy of the layout). */
    record BlockInfo(int index, long start, int rows) implements java.io.Serializable {
    }

    /** Slice s of a tile file: kernel kinds[s / depths] at depths[s % depths]. */
    static int slices(boolean ntk, boolean nngp, int depths) {
        return ((ntk ? 1 : 0) + (nngp ? 1 : 0)) * depths;
    }

    static String fileName(int i, int j) {
        return "tile-" + i + "-" + j + ".bin";
    }

    /** Runs the tile pass: one staging file per block pair (I &lt;= J) under {@code dir}. */
    static void compute(JavaRDD<FeatureBlock[]> pairs, NetworkSpec spec, int[] depths, boolean ntk, boolean nngp, String dir,
                        HadoopConf conf) {
        java.util.List<org.sparkntk.spec.KernelKind> kinds = new java.util.ArrayList<>();
        if (ntk) {
            kinds.add(org.sparkntk.spec.KernelKind.NTK);
        }
        if (nngp) {
            kinds.add(org.sparkntk.spec.KernelKind.NNGP);
        }
        org.sparkntk.spec.KernelSpec ks = org.sparkntk.spec.KernelSpec.of(spec, depths,
                kinds.toArray(new org.sparkntk.spec.KernelKind[0]));
        pairs.foreach(p -> {
            FeatureBlock a = p[0];
            FeatureBlock b = p[1];
            boolean sym = a.index() == b.index();
            int cells = a.rows() * b.rows();
            double[][] nt = ntk ? new double[depths.length][cells] : null;
            double[][] ng = nngp ? new double[depths.length][cells] : null;
            Tiles.compute(ks, new org.sparkntk.tile.Rows(a.x(), a.rows(), a.d()), new org.sparkntk.tile.Rows(b.x(), b.rows(), b.d()),
                    sym, nt, ng);
            Path f = new Path(dir, fileName(a.index(), b.index()));
            FileSystem fs = f.getFileSystem(conf.get());
            ByteBuffer buf = ByteBuffer.allocate(cells * 8).order(ByteOrder.LITTLE_ENDIAN);
            try (FSDataOutputStream out = fs.create(f, true)) {
                for (double[][] kind : new double[][][] {nt, ng}) {
                    if (kind == null) {
                        continue;
                    }
                    for (double[] slice : kind) {
                        buf.clear();
                        buf.asDoubleBuffer().put(slice);
                        out.write(buf.array(), 0, cells * 8);
                    }
                }
            }
        });
    }

    /**
     * The dense row-major m x m matrix of one slice, from the tile files of the given blocks
     * (upper triangle read, then mirrored).
     */
    static double[] assemble(FileSystem fs, String dir, List<BlockInfo> blocks, int m, int slice) throws IOException {
        double[] dense = new double[m * m];
        byte[] bytes = new byte[0];
        for (BlockInfo a : blocks) {
            for (BlockInfo b : blocks) {
                if (a.index() > b.index()) {
                    continue;
                }
                int cells = a.rows() * b.rows();
                if (bytes.length < cells * 8) {
                    bytes = new byte[cells * 8];
                }
                try (FSDataInputStream in = fs.open(new Path(dir, fileName(a.index(), b.index())))) {
                    in.readFully((long) slice * cells * 8, bytes, 0, cells * 8);
                }
                java.nio.DoubleBuffer db = ByteBuffer.wrap(bytes, 0, cells * 8).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
                int r0 = (int) a.start();
                int c0 = (int) b.start();
                for (int i = 0; i < a.rows(); i++) {
                    db.position(i * b.rows());
                    db.get(dense, (r0 + i) * m + c0, b.rows());
                }
            }
        }
        Gemm.mirrorUpper(dense, m);
        return dense;
    }
}
