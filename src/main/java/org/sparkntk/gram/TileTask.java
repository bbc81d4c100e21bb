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
            // the tiles of a task in a pipeline: a tile's last output is written while the next tile
            // is computed (into the other of two arrays for it); the task ends with every file complete
            List<BlockPair> pairs = tasks.next();
            boolean pipelined = pairs.size() > 1;
            Pending previous = null;
            Pending done = null;
            int slot = 0;
            try {
                for (BlockPair p : pairs) {
                    Pending current = compute(c, rec, p, pipelined, slot, previous);
                    done = previous;
                    previous = current;
                    if (done != null) {
                        out.add(done.finish());
                    }
                    slot ^= 1;
                }
                done = previous;
                previous = null;
                if (done != null) {
                    out.add(done.finish());
                }
            } finally {
                if (previous != null) {
                    previous.abandon(); // a failed task leaves no writer running
                }
            }
        }
        return out.iterator();
    }

    /**
     * Computes tile p into the arrays of {@code slot} (of two, when {@code pipelined}: the task has
     * more tiles) with its file written on a writer thread, and
     * returns once the tile is computed (its file may still be being written). {@code previous} (the
     * task's tile before, or null) may still be writing its last output, which is in the other
     * slot's array; the shared arrays are reused only once its writer has read them.
     */
    private Pending compute(Configuration c, Recursion rec, BlockPair p, boolean pipelined, int slot, Pending previous)
            throws IOException {
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
        double[][] arrays = scratch((pipelined ? 2 : 1) + outs, m * n).clone();
        // the array of the file's last row (the in-place NNGP, else the deepest NTK) alternates
        // with a spare between consecutive tiles: the previous tile's writer may still be reading it
        int last = nngp ? 0 : outs;
        if (slot == 1) {
            arrays[last] = arrays[1 + outs];
        }
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
        if (previous != null) {
            previous.awaitShared(out.size());
        }
        // the file is written on another thread while the recursion runs, each block of values as
        // soon as its rows are final: the device writes while this core computes (docs/design.md,
        // "Tile files")
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
            joinQuietly(write); // the writer stops and deletes its temporary file; the computation's failure is reported
            throw e;
        }
        long t2 = System.nanoTime();
        tilesDone.add(1);
        entriesDone.add((long) m * n);
        return new Pending(write, ready, writeCpu, p, m, n, a.d(), t1 - t0, gemm.nanos, (t2 - t1) - gemm.nanos, recomputed,
                kernel.compute() == Precision.FLOAT32 ? gemm.floatName() : gemm.name(), rec.name(), used.label());
    }

    /** A computed tile whose file may still be being written, and its report's parts. */
    private static final class Pending {
        private final Future<Long> write;
        private final TileFiles.Ready ready;
        private final long[] writeCpu;
        private final BlockPair p;
        private final int m;
        private final int n;
        private final int d;
        private final long readNanos;
        private final long gemmNanos;
        private final long recursionNanos;
        private final long recomputed;
        private final String gemm;
        private final String recursion;
        private final String writer;
        /** Time the task waited for this tile's write after computing it. */
        private long waited;

        Pending(Future<Long> write, TileFiles.Ready ready, long[] writeCpu, BlockPair p, int m, int n, int d, long readNanos,
                long gemmNanos, long recursionNanos, long recomputed, String gemm, String recursion, String writer) {
            this.write = write;
            this.ready = ready;
            this.writeCpu = writeCpu;
            this.p = p;
            this.m = m;
            this.n = n;
            this.d = d;
            this.readNanos = readNanos;
            this.gemmNanos = gemmNanos;
            this.recursionNanos = recursionNanos;
            this.recomputed = recomputed;
            this.gemm = gemm;
            this.recursion = recursion;
            this.writer = writer;
        }

        /** Waits until the writer has read every output but the last (the arrays the next tile shares). */
        void awaitShared(int outputs) throws IOException {
            long t = System.nanoTime();
            ready.awaitWritten(outputs - 1);
            waited += System.nanoTime() - t;
            if (write.isDone()) {
                TileTask.finish(write, ready); // a failed write fails the task before the next tile overwrites anything
            }
        }

        /** Waits for the complete file (renamed into place) and returns the tile's report. */
        TileReport finish() throws IOException {
            long t = System.nanoTime();
            long bytes = TileTask.finish(write, ready);
            waited += System.nanoTime() - t;
            return new TileReport(p.row(), p.col(), m, n, d, readNanos, gemmNanos, recursionNanos, waited, writeCpu[0], bytes,
                    gemm, recursion, TileKernels.vectorSpecies(), recomputed, writer);
        }

        /**
         * The task failed elsewhere: stops this write and waits until its writer has let go of the
         * arrays (the thread's next task reuses them), dropping its outcome.
         */
        void abandon() {
            ready.fail(new java.util.concurrent.CancellationException("the task failed before this tile's file was complete"));
            joinQuietly(write);
        }
    }

    /** The written file's size, once the writer is done; its failure as this task's. */
    private static long finish(Future<Long> write, TileFiles.Ready ready) throws IOException {
        try {
            return write.get();
        } catch (InterruptedException e) {
            ready.fail(e); // the writer stops at its next block; it lets go of the arrays before this returns
            joinQuietly(write);
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

    /** Waits for a write to end, failed or not, through interrupts (restored after). */
    private static void joinQuietly(Future<Long> write) {
        boolean interrupted = false;
        while (true) {
            try {
                write.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
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
     * can take them back from an idle executor. Reusing them is safe: within a task the pipeline
     * reuses an array only once its writer has read it ({@code Pending.awaitShared}, the spare for
     * the last output), and a task returns, or fails, only once its writers are done with them.
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
