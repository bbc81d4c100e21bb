package org.sparkntk.gram;

import java.io.IOException;
import java.io.Serializable;
import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.LongAccumulator;
import org.sparkntk.io.HadoopConf;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.io.KernelTile;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.Precision;
import org.sparkntk.io.Tile;
import org.sparkntk.io.TileFiles;
import org.sparkntk.io.TileWriter;
import org.sparkntk.tile.Recursion;
import org.sparkntk.tile.Rows;
import org.sparkntk.tile.TileKernels;
import org.sparkntk.tile.Tiles;

/**
 * The executor side of the tile jobs: for each block pair of a task ({@link GramPlan#tasks}), read the two staged
 * blocks (cached per JVM), compute every kernel and depth in one pass ({@link Tiles#compute}) and
 * write the tile file ({@link TileFiles#write}). Serializable; holds only small settings.
 */
final class TileTask implements FlatMapFunction<Iterator<List<BlockPair>>, TileReport>, Serializable {

    private static final long serialVersionUID = 1L;

    private final HadoopConf conf;
    private final BlockFiles.Staged rows;
    private final BlockFiles.Staged cols;
    private final String tilesDir;
    private final KernelSpec kernel;
    private final boolean symmetric;
    private final LongAccumulator tilesDone;
    private final LongAccumulator entriesDone;
    private final TileWriter writer;

    TileTask(HadoopConf conf, BlockFiles.Staged rows, BlockFiles.Staged cols, String tilesDir, KernelSpec kernel,
             boolean symmetric, LongAccumulator tilesDone, LongAccumulator entriesDone, TileWriter writer) {
        this.conf = conf;
        this.rows = rows;
        this.cols = cols;
        this.tilesDir = tilesDir;
        this.kernel = kernel;
        this.symmetric = symmetric;
        this.tilesDone = tilesDone;
        this.entriesDone = entriesDone;
        this.writer = writer;
    }

    @Override
    public Iterator<TileReport> call(Iterator<List<BlockPair>> tasks) throws IOException {
        Configuration c = conf.get();
        Recursion rec = TileKernels.recursion();
        List<TileReport> out = new ArrayList<>();
        while (tasks.hasNext()) {
            for (BlockPair p : tasks.next()) {
                out.add(compute(c, rec, p));
            }
        }
        return out.iterator();
    }

    private TileReport compute(Configuration c, Recursion rec, BlockPair p) throws IOException {
        long t0 = System.nanoTime();
        Block a = BlockFiles.cached(c, rows, p.row());
        boolean diag = symmetric && p.row() == p.col();
        Block b = diag ? a : BlockFiles.cached(c, cols, p.col());
        long t1 = System.nanoTime();
        int m = a.rows();
        int n = b.rows();
        // the last NNGP is computed in place of the Gram product (Recursion allows it): one array and
        // one memory stream fewer per tile
        int depths = kernel.depths().size();
        boolean ntk = kernel.has(KernelKind.NTK);
        boolean nngp = kernel.has(KernelKind.NNGP);
        int outs = (ntk ? depths : 0) + (nngp ? depths - 1 : 0);
        double[][] arrays = scratch(1 + outs, m * n);
        double[][] ntkOut = ntk ? java.util.Arrays.copyOfRange(arrays, 1, 1 + depths) : null;
        double[][] nngpOut = null;
        if (nngp) {
            nngpOut = new double[depths][];
            System.arraycopy(arrays, 1 + (ntk ? depths : 0), nngpOut, 0, depths - 1);
            nngpOut[depths - 1] = arrays[0];
        }
        TimedGemm gemm = new TimedGemm(TileKernels.gemm());
        List<KernelTile> out = new ArrayList<>();
        add(out, KernelKind.NTK, ntkOut, p, a, b);
        add(out, KernelKind.NNGP, nngpOut, p, a, b);
        Path dir = new Path(tilesDir);
        // the writer that works here (direct falls back to hadoop where O_DIRECT is refused), for the report
        TileWriter used = writer.resolve(c, new Path(dir, TileFiles.TMP_DIR));
        // the file is written on another thread while the recursion runs, each block of values as
        // soon as its rows are final: the device writes while this core computes (docs/design.md,
        // "Tile files"); the task returns only once the file is complete and in place
        TileFiles.Ready ready = new TileFiles.Ready();
        long[] writeCpu = {0};
        Future<Long> write = WRITERS.submit(() -> {
            long cpu0 = CPU.getCurrentThreadCpuTime();
            try {
                return TileFiles.write(c, dir, p.row(), p.col(), out, kernel.precision(), used, ready);
            } finally {
                writeCpu[0] = CPU.getCurrentThreadCpuTime() - cpu0;
            }
        });
        long recomputed;
        try {
            recomputed = Tiles.compute(kernel, new Rows(a.x(), m, a.d()), new Rows(b.x(), n, b.d()), diag, ntkOut, nngpOut, gemm, rec,
                    arrays[0], ready::rows);
        } catch (RuntimeException | Error e) {
            ready.fail(e);
            try {
                write.get(); // the writer stops and deletes its temporary file
            } catch (InterruptedException | ExecutionException ignored) {
                // the computation's failure is the one to report
            }
            throw e;
        }
        long t2 = System.nanoTime();
        long bytes = finish(write, ready);
        long t3 = System.nanoTime();
        tilesDone.add(1);
        entriesDone.add((long) m * n);
        return new TileReport(p.row(), p.col(), m, n, a.d(), t1 - t0, gemm.nanos, (t2 - t1) - gemm.nanos, t3 - t2, writeCpu[0], bytes,
                kernel.compute() == Precision.FLOAT32 ? gemm.floatName() : gemm.name(), rec.name(), TileKernels.vectorSpecies(),
                recomputed, used.label());
    }

    /** The written file's size, once the writer is done; its failure as this task's. */
    private static long finish(Future<Long> write, TileFiles.Ready ready) throws IOException {
        try {
            return write.get();
        } catch (InterruptedException e) {
            ready.fail(e);
            write.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the tile file was written");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            } else if (cause instanceof RuntimeException re) {
                throw re;
            } else if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    /**
     * The threads that write tile files while their tasks compute (one file per task at a time);
     * daemons, so an executor's JVM can exit.
     */
    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "spark-ntk-tile-writer");
        t.setDaemon(true);
        return t;
    });

    /** The thread CPU clock (user + system time of this thread; -1 where the JVM has none). */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private void add(List<KernelTile> rows, KernelKind kind, double[][] values, BlockPair p, Block a, Block b) {
        if (values == null) {
            return;
        }
        for (int k = 0; k < values.length; k++) {
            rows.add(new KernelTile(kind, kernel.depths().get(k), new Tile(p.row(), p.col(), a.start(), b.start(), a.rows(), b.rows(), values[k])));
        }
    }

    /**
     * This thread's tile arrays (the Gram product, then the outputs), reused from tile to tile:
     * allocating, zeroing and page-faulting three or more fresh tile-sized arrays per tile cost a
     * few percent of the tile time. Two sizes are kept (full and ragged tiles), softly, so the GC
     * can take them back from an idle executor; a tile's outputs are written out before the next
     * tile starts, so reusing them is safe.
     */
    private static double[][] scratch(int count, int size) {
        SoftReference<double[][]>[] slots = SCRATCH.get();
        for (SoftReference<double[][]> ref : slots) {
            double[][] s = ref == null ? null : ref.get();
            if (s != null && s.length == count && s[0].length == size) {
                return s;
            }
        }
        double[][] s = new double[count][size];
        int victim = slots[0] == null || slots[0].get() == null ? 0 : 1;
        if (victim == 1 && slots[1] != null && slots[1].get() != null) {
            slots[1] = slots[0];
            victim = 0;
        }
        slots[victim] = new SoftReference<>(s);
        return s;
    }

    @SuppressWarnings("unchecked")
    private static final ThreadLocal<SoftReference<double[][]>[]> SCRATCH =
            ThreadLocal.withInitial(() -> (SoftReference<double[][]>[]) new SoftReference<?>[2]);
}
