package org.sparkntk.gram;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkntk.spec.BuildInfo;
import org.sparkntk.io.HadoopConf;
import org.sparkntk.io.IndexFiles;
import org.sparkntk.io.JobLabel;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.tile.Diagonal;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.spec.Precision;
import org.sparkntk.io.TileFiles;
import org.sparkntk.io.TileStore;
import org.sparkntk.io.TileWriter;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.Normalize;
import org.sparkntk.spec.UserError;
import scala.Tuple2;

/**
 * The Gram job on Spark (docs/design.md): read and validate the input(s), plan the blocks,
 * write {@code _plan.json}, the row index and the staged blocks, run the tile jobs in a few
 * labelled batches, then commit {@code kernel.json}. The math is in {@link org.sparkntk.tile};
 * the layout is {@link GramPlan}; this class only distributes, writes and commits.
 */
public final class GramJob {

    private static final Logger LOG = LoggerFactory.getLogger(GramJob.class);

    /** Staged blocks folder inside OUT (deleted at the end of every run). */
    public static final String BLOCKS_DIR = "_blocks";
    /** Row index folder inside OUT. */
    public static final String INDEX_DIR = "index";
    /** Column index folder of a cross kernel. */
    public static final String INDEX2_DIR = "index2";
    /** Most tile batches (labelled Spark jobs) per run. */
    static final int MAX_BATCHES = 16;
    /** Seconds between progress log lines inside a batch. */
    static final long PROGRESS_SECONDS = Long.getLong("ntk.progress.seconds", 10);

    private final SparkSession spark;
    private final GramRequest req;
    private final Configuration conf;
    private final JavaSparkContext jsc;

    private GramJob(SparkSession spark, GramRequest req) {
        this.spark = spark;
        this.req = req;
        this.conf = spark.sparkContext().hadoopConfiguration();
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** Runs the job; throws {@link UserError} for bad input or options (nothing published then). */
    public static GramResult run(SparkSession spark, GramRequest req) throws IOException {
        return new GramJob(spark, req).run();
    }

    /**
     * The job as its plan: check the output, read and check the inputs, plan the tiles, create the
     * output with {@code _plan.json}, stage the blocks, compute the missing tiles, commit.
     */
    private GramResult run() throws IOException {
        Thread early = EARLY_WARM_UP.getAndSet(null);
        long t0 = System.nanoTime();
        TileWriter writer = TileWriter.configured(); // a bad -Dntk.tile.writer fails before any work
        Map<String, Double> timings = new LinkedHashMap<>();
        Target target = checkOutput();
        Thread warm = !spark.sparkContext().master().startsWith("local") ? early : early != null ? early : warmUp(req.kernel());
        Inputs inputs = readInputs();
        Path runBlocks = new Path(new Path(target.out(), BLOCKS_DIR), UUID.randomUUID().toString().substring(0, 8));
        boolean created = false;
        try {
            Normalizer norm = checkInputs(inputs);
            timings.put("read", secs(t0));
            GramPlan plan = plan(inputs, target);
            KernelManifest planned = planManifest(req.kernel(), plan, inputs.in(), inputs.in2());
            checkResumable(target, planned);
            createOutput(target, planned);
            created = true;
            GramPlan.Work work = plan.work(tilesOnDisk(target.out()), req.keepBlocks());
            Path kernelJson = new Path(target.out(), KernelManifest.KERNEL_JSON);
            if (req.resume()) {
                String msg = String.format(Locale.ROOT, "resume: %d of %d tiles already present, computing %d",
                        work.present().size(), plan.tileCount(), work.todo().size());
                LOG.info(msg);
                System.out.println(msg);
                if (work.todo().isEmpty() && target.fs().exists(kernelJson)) {
                    KernelManifest done = KernelManifest.read(conf, kernelJson);
                    return new GramResult(done, target.out().toString(), work.present().size(), 0, secs(t0), 0, 0, 0, 0);
                }
            }
            if (target.fs().exists(kernelJson)) {
                target.fs().delete(kernelJson, false); // no longer true: some tiles are missing
            }

            long tsg = System.nanoTime();
            Staged staged = stageInputs(inputs, norm, plan, target.out(), runBlocks, !work.todo().isEmpty());
            timings.put("stage", secs(tsg)); // includes writing index/ (the staging tasks write it)

            long tt = System.nanoTime();
            if (warm != null) {
                warm.interrupt(); // the tiles compile the kernels themselves from here on
            }
            Path tilesDir = new Path(target.out(), TileFiles.TILES_DIR);
            target.fs().mkdirs(new Path(tilesDir, TileFiles.TMP_DIR));
            List<TileReport> reports = runTiles(plan, work.todo(), staged.rows(), staged.cols(), tilesDir, work.present().size(),
                    writer);
            timings.put("tiles", secs(tt));
            return commit(target, plan, planned, work, reports, timings, t0);
        } finally {
            inputs.release();
            BlockFiles.evict(runBlocks.toString());
            if (created) {
                target.fs().delete(runBlocks.getParent(), true);
                target.fs().delete(new Path(new Path(target.out(), TileFiles.TILES_DIR), TileFiles.TMP_DIR), true);
            }
        }
    }

    /** The qualified output folder, whether it exists, and the plan of the run being resumed (or null). */
    private record Target(Path out, FileSystem fs, boolean exists, KernelManifest previous) {
    }

    /** The input(s) read and checked: {@code in2} is null for a symmetric Gram. */
    private record Inputs(InputTable in, InputTable in2) {
        void release() {
            in.release();
            if (in2 != null) {
                in2.release();
            }
        }
    }

    /** The staged row and column blocks (the same for a symmetric Gram; null when no tile is computed). */
    private record Staged(BlockFiles.Staged rows, BlockFiles.Staged cols) {
    }

    /** Refuses an existing output without --overwrite/--resume and outputs overlapping an input. */
    private Target checkOutput() throws IOException {
        Path out = new Path(req.output());
        FileSystem fs = out.getFileSystem(conf);
        out = fs.makeQualified(out);
        boolean exists = fs.exists(out);
        if (exists && !req.overwrite() && !req.resume()) {
            throw new UserError("output '" + req.output() + "' exists; pass --overwrite to replace it or --resume to finish an interrupted run");
        }
        checkNoOverlap(out, req.input().input());
        if (req.input().cross()) {
            checkNoOverlap(out, req.input().input2());
        }
        return new Target(out, fs, exists, exists && req.resume() ? previousPlan(fs, out) : null);
    }

    /** Reads and checks input (and input2 of a cross kernel, which must have the same feature length). */
    private Inputs readInputs() {
        InputTable in = InputTable.load(spark, req.input().input(), req.input(), "input");
        if (!req.input().cross()) {
            return new Inputs(in, null);
        }
        try {
            InputTable in2 = InputTable.load(spark, req.input().input2(), req.input(), "input2");
            if (in2.d() != in.d()) {
                in2.release();
                throw new UserError("input2 has feature length " + in2.d() + " but input has " + in.d()
                        + "; both inputs need the same feature length");
            }
            return new Inputs(in, in2);
        } catch (RuntimeException e) {
            in.release();
            throw e;
        }
    }

    /** Fits the normalizer and refuses inputs whose kernel overflows, before anything is written. */
    private Normalizer checkInputs(Inputs inputs) {
        InputTable in = inputs.in();
        InputTable in2 = inputs.in2();
        Normalizer norm = fitNormalizer(in);
        if (req.input().normalize() == Normalize.NONE) {
            checkOverflow(in, "");
            if (in2 != null) {
                checkOverflow(in2, "input2: ");
            }
        } else if (req.input().normalize() == Normalize.L2
                && (in.maxSquaredNorm() > 0 || (in2 != null && in2.maxSquaredNorm() > 0))) {
            checkUnitNormOverflow(in.d());
        }
        return norm;
    }

    /** The block layout: --block-size, else the resumed run's, else one picked from d and memory. */
    private GramPlan plan(Inputs inputs, Target target) {
        KernelConfig k = req.kernel();
        InputTable in = inputs.in();
        boolean symmetric = inputs.in2() == null;
        long n2 = symmetric ? in.n() : inputs.in2().n();
        int b = k.blockSize() > 0 ? k.blockSize()
                : target.previous() != null ? target.previous().blockSize()
                : defaultBlockSize(in.n(), n2, symmetric, in.d(), k);
        return new GramPlan(in.n(), n2, b, symmetric);
    }

    /** --resume continues only a run planned for the same computation. */
    private void checkResumable(Target target, KernelManifest planned) {
        if (target.previous() == null) {
            return;
        }
        List<String> diffs = planned.planDifferences(target.previous());
        if (!diffs.isEmpty()) {
            throw new UserError("--resume refused: '" + req.output() + "' was planned for a different computation: "
                    + String.join("; ", diffs) + ". Use --overwrite to start over");
        }
    }

    /** Deletes the old output (--overwrite), creates OUT and writes _plan.json (kept when resuming). */
    private void createOutput(Target target, KernelManifest planned) throws IOException {
        FileSystem fs = target.fs();
        if (target.exists() && req.overwrite()) {
            LOG.info("--overwrite: deleting {}", target.out());
            fs.delete(target.out(), true);
        }
        fs.mkdirs(target.out());
        Path planFile = new Path(target.out(), KernelManifest.PLAN_JSON);
        if (target.previous() == null || !fs.exists(planFile)) {
            planned.write(conf, planFile);
        }
    }

    /** The tile files already in OUT. */
    private List<BlockPair> tilesOnDisk(Path out) throws IOException {
        List<BlockPair> out2 = new ArrayList<>();
        for (int[] ij : TileStore.listTiles(conf, out.toString())) {
            out2.add(new BlockPair(ij[0], ij[1]));
        }
        return out2;
    }

    /** Writes index/ (index2/) and, when tiles are to be computed, the staged blocks of both sides. */
    private Staged stageInputs(Inputs inputs, Normalizer norm, GramPlan plan, Path out, Path runBlocks, boolean blocks)
            throws IOException {
        BlockFiles.Staged rowSide = stage(inputs.in(), norm, plan.blockSize(), new Path(runBlocks, "rows"), new Path(out, INDEX_DIR),
                blocks, "input");
        BlockFiles.Staged colSide = inputs.in2() == null ? rowSide
                : stage(inputs.in2(), norm, plan.blockSize(), new Path(runBlocks, "cols"), new Path(out, INDEX2_DIR), blocks, "input2");
        inputs.release();
        return new Staged(rowSide, colSide);
    }

    /** Checks every planned tile is present, sums the task reports and writes kernel.json last. */
    private GramResult commit(Target target, GramPlan plan, KernelManifest planned, GramPlan.Work work, List<TileReport> reports,
                              Map<String, Double> timings, long t0) throws IOException {
        long tc = System.nanoTime();
        FileSystem fs = target.fs();
        String out = target.out().toString();
        List<int[]> now = TileStore.listTiles(conf, out);
        long have = now.stream().filter(ij -> plan.contains(new BlockPair(ij[0], ij[1]))).count();
        if (have + work.kept() != plan.tileCount()) {
            throw new IOException("only " + have + " of " + plan.tileCount() + " tile files are present after the tile jobs");
        }
        TileReport.Totals sum = TileReport.Totals.of(reports);
        if (!reports.isEmpty()) {
            LOG.info("tile files written by the {} writer (-D{})", String.join(" and ", sum.implementations().get("writer")),
                    TileWriter.PROPERTY);
        }
        if (req.kernel().kernel().compute() == Precision.FLOAT32 && sum.entries() > 0) {
            long again = reports.stream().mapToLong(TileReport::recomputed).sum();
            LOG.info("float32 compute: {} of {} Gram entries had |rho1| > {} and were recomputed in float64", again, sum.entries(),
                    org.sparkntk.tile.Float32Gram.THRESHOLD);
        }
        long totalBytes = sum.bytes();
        if (!work.present().isEmpty()) {
            totalBytes = 0;
            for (int[] ij : now) {
                totalBytes += fs.getFileStatus(TileStore.tilePath(out, ij[0], ij[1])).getLen();
            }
        }
        timings.put("taskRead", sum.readSeconds());
        timings.put("taskGemm", sum.gemmSeconds());
        timings.put("taskRecursion", sum.recursionSeconds());
        timings.put("taskWrite", sum.writeSeconds());
        timings.put("taskWriteCpu", sum.writeCpuSeconds());
        // core-seconds of the tile phase not spent in tile work: scheduling, task serialization,
        // idle cores at the end of a batch (the "Spark overhead" of a benchmark breakdown)
        timings.put("tileOverheadCoreSeconds", Math.max(0, timings.get("tiles") * jsc.defaultParallelism() - sum.taskSeconds()));
        timings.put("commit", secs(tc));
        timings.put("total", secs(t0));
        KernelManifest done = planned.completed(plan.tileCount(), totalBytes, timings, sum.implementations(), Instant.now().toString());
        Path kernelJson = new Path(target.out(), KernelManifest.KERNEL_JSON);
        done.write(conf, kernelJson);
        LOG.info("committed {} ({} tiles)", kernelJson, plan.tileCount());
        return new GramResult(done, out, work.present().size(), reports.size(), secs(t0), sum.gemmSeconds(), sum.gemmFlops(),
                sum.bytes(), sum.entries());
    }

    /**
     * Local mode, before the SparkSession exists: starts reading the input (and input2 of a cross
     * kernel) on this JVM's spare core (docs/design.md, "Reading without Spark SQL"). The next
     * {@link #run} takes the rows when the files and column types are the ones it reads; anything
     * else (a remote file system, a layout read by Spark SQL, a failure) leaves nothing prefetched.
     */
    public static void prefetch(InputConfig in) {
        Configuration conf = new Configuration();
        InputTable.prefetch(conf, in.input(), in);
        if (in.cross() && !in.input2().equals(in.input())) {
            InputTable.prefetch(conf, in.input2(), in);
        }
    }

    /** A warm-up started by {@link #startWarmUp} before the SparkSession, taken by the next {@link #run}. */
    private static final java.util.concurrent.atomic.AtomicReference<Thread> EARLY_WARM_UP =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Starts the local-mode warm-up of the tile kernels for {@code k} now, before the SparkSession
     * exists: the SparkContext start-up keeps about one core busy, so the warm-up runs on the other
     * instead of competing with the input scan's tasks. The next {@link #run} in this JVM takes it
     * over (and stops it when the tiles start).
     */
    public static void startWarmUp(KernelConfig k) {
        Thread t = warmUp(k);
        Thread old = EARLY_WARM_UP.getAndSet(t);
        if (old != null) {
            old.interrupt();
        }
    }

    /**
     * Local mode: the tile tasks run in this JVM, so compile the tile kernels on a spare thread
     * while the driver starts Spark, reads and stages the input (at most {@link #WARM_UP_MILLIS} ms
     * of one core).
     */
    private static Thread warmUp(KernelConfig k) {
        Thread t = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                int tiles = org.sparkntk.tile.Tiles.warmUp(k.kernel(), WARM_UP_MILLIS);
                LOG.debug("tile kernel warm-up: {} small tiles in {} ms", tiles, (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException e) {
                LOG.debug("tile kernel warm-up failed (harmless): {}", e.toString());
            }
        }, "spark-ntk-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** Longest JIT warm-up of the tile kernels in local mode, ms. */
    static final long WARM_UP_MILLIS = Long.getLong("ntk.warmup.millis", 3000);

    /** The _plan.json (or kernel.json) of the run being resumed. */
    private KernelManifest previousPlan(FileSystem fs, Path out) throws IOException {
        Path plan = new Path(out, KernelManifest.PLAN_JSON);
        Path kernel = new Path(out, KernelManifest.KERNEL_JSON);
        Path f = fs.exists(plan) ? plan : fs.exists(kernel) ? kernel : null;
        if (f == null) {
            throw new UserError("--resume refused: '" + req.output() + "' has no " + KernelManifest.PLAN_JSON
                    + " (it was not written by ntk gram); use --overwrite to replace it");
        }
        try {
            return KernelManifest.read(conf, f);
        } catch (IOException e) {
            throw new UserError("--resume refused: cannot read " + f + ": " + e.getMessage() + "; use --overwrite to start over", e);
        }
    }

    private void checkNoOverlap(Path out, String input) throws IOException {
        Path in = new Path(input);
        in = in.getFileSystem(conf).makeQualified(in);
        String o = out.toString() + "/";
        String i = in.toString() + "/";
        if (o.startsWith(i) || i.startsWith(o)) {
            throw new UserError("output '" + req.output() + "' overlaps input '" + input + "'; choose an --output outside the input");
        }
    }

    /**
     * Refuses (before anything is written) inputs whose largest row makes the kernel overflow
     * double precision within the requested depths: the variance map grows with the input norm,
     * so that row overflows first. With --normalize the norms are the normalized ones; the tile
     * kernel checks its rows as well (Tiles.compute).
     */
    private void checkOverflow(InputTable t, String label) {
        KernelSpec k = req.kernel().kernel();
        NetworkSpec spec = k.network();
        String what = Diagonal.overflow(spec, t.maxSquaredNorm(), t.d(), k.deepest(), k.has(KernelKind.NTK));
        if (what != null) {
            throw new UserError(label + t.maxNormRow() + " (squared norm "
                    + String.format(java.util.Locale.ROOT, "%.3g", t.maxSquaredNorm()) + ") makes the kernel overflow"
                    + " double precision: " + what + " (activation " + spec.activation().name() + ", 'weight-std' "
                    + spec.weightStd() + ", 'bias-std' " + spec.biasStd() + "); use a smaller --weight-std or --depth, or scale"
                    + " the inputs down (e.g. --normalize l2)");
        }
    }

    /**
     * --normalize l2 gives every nonzero row unit norm, so whether the kernel overflows depends on
     * the spec alone: refused here, before anything is written, instead of failing the first tile
     * task. (--normalize standardize: the norms are known only row by row; Tiles.compute checks.)
     */
    private void checkUnitNormOverflow(int d) {
        KernelSpec k = req.kernel().kernel();
        NetworkSpec spec = k.network();
        String what = Diagonal.overflow(spec, 1.0, d, k.deepest(), k.has(KernelKind.NTK));
        if (what != null) {
            throw new UserError("--normalize l2 scales every row to unit norm, and at unit norm the kernel overflows double"
                    + " precision: " + what + " (activation " + spec.activation().name() + ", 'weight-std' "
                    + spec.weightStd() + ", 'bias-std' " + spec.biasStd() + "); use a smaller --weight-std or --depth");
        }
    }

    private Normalizer fitNormalizer(InputTable in) {
        Normalize mode = req.input().normalize();
        if (mode == Normalize.NONE) {
            return Normalizer.none();
        }
        if (mode == Normalize.L2) {
            return Normalizer.l2();
        }
        return JobLabel.call(spark.sparkContext(), "spark-ntk: column statistics for --normalize standardize",
                () -> columnStatistics(in));
    }

    /** Column means and sums of squared deviations (two passes over the cached rows). */
    private static Normalizer columnStatistics(InputTable in) {
        int d = in.d();
        long n = in.n();
        double[] sum = in.rows().treeAggregate(new double[d], (acc, r) -> {
            for (int k = 0; k < d; k++) {
                acc[k] += r.x()[k];
            }
            return acc;
        }, GramJob::addInto);
        double[] mean = new double[d];
        for (int k = 0; k < d; k++) {
            mean[k] = sum[k] / n;
        }
        double[] ss = in.rows().treeAggregate(new double[d], (acc, r) -> {
            for (int k = 0; k < d; k++) {
                double v = r.x()[k] - mean[k];
                acc[k] += v * v;
            }
            return acc;
        }, GramJob::addInto);
        return Normalizer.standardize(n, mean, ss);
    }

    private static double[] addInto(double[] a, double[] b) {
        for (int k = 0; k < a.length; k++) {
            a[k] += b[k];
        }
        return a;
    }

    private int defaultBlockSize(long n, long n2, boolean symmetric, int d, KernelConfig k) {
        SparkContext sc = spark.sparkContext();
        int cores = sc.defaultParallelism();
        long taskHeap;
        if (sc.master().startsWith("local")) {
            taskHeap = Runtime.getRuntime().maxMemory() / Math.max(1, cores);
        } else {
            long mem = JavaUtils.byteStringAsBytes(sc.getConf().get("spark.executor.memory", "1g"));
            int execCores = sc.getConf().getInt("spark.executor.cores", 1);
            taskHeap = mem / Math.max(1, execCores);
        }
        int outputs = k.kernel().outputs();
        int b = BlockSizing.choose(n, n2, symmetric, d, outputs, k.kernel().precision() == Precision.FLOAT32 ? 4 : 8, taskHeap,
                cores);
        LOG.info("block size {} (from d={}, {} outputs per tile, {} MiB heap per task, {} cores; --block-size overrides)",
                b, d, outputs, taskHeap >> 20, cores);
        return b;
    }

    private KernelManifest planManifest(KernelConfig k, GramPlan plan, InputTable in, InputTable in2) {
        return KernelManifest.plan(k.kernel(), plan.symmetric(), plan.n(), plan.symmetric() ? null : plan.n2(), in.d(),
                plan.blockSize(), plan.rowBlocks(), plan.colBlocks(), plan.tileCount(), in.info(), in2 == null ? null : in2.info(),
                req.input().normalize().label(), BuildInfo.version(), Instant.now().toString());
    }

    /**
     * Writes {@code indexDir} (row BIGINT, id) and, with {@code blocks}, the normalized rows of
     * {@code t} as segments in {@code dir}, in one pass over the cached rows; returns the staged
     * side (null without blocks). Each partition writes its own index part file and, when the
     * partitions hold long runs of consecutive rows (each reads one piece of one file: the usual
     * case), one segment per run: no shuffle. Otherwise (many small files) the rows are grouped by
     * block with one shuffle of N x d and each block is one segment ({@code -Dntk.stage.shuffle=true}
     * forces this, for tests).
     */
    private BlockFiles.Staged stage(InputTable t, Normalizer norm, int bs, Path dir, Path indexDir, boolean blocks, String label)
            throws IOException {
        FileSystem fs = indexDir.getFileSystem(conf);
        fs.delete(indexDir, true);
        fs.mkdirs(new Path(indexDir, TileFiles.TMP_DIR));
        int d = t.d();
        long n = t.n();
        long nBlocks = (n + bs - 1) / bs;
        boolean narrow = blocks && t.runs() <= Math.max(64, 2 * nBlocks) && !Boolean.getBoolean("ntk.stage.shuffle");
        if (blocks) {
            fs.mkdirs(dir);
        }
        String indexLabel = "spark-ntk: " + (narrow ? "stage " + label + " blocks and " : "") + "write " + indexDir.getName() + "/";
        HadoopConf hc = new HadoopConf(conf);
        String dirName = dir.toString();
        String indexName = indexDir.toString();
        DataType idType = t.idType();
        List<long[]> segments = JobLabel.call(spark.sparkContext(), indexLabel, () -> t.rows().mapPartitionsWithIndex((part, it) -> {
            List<InputRow> rows = new ArrayList<>();
            it.forEachRemaining(rows::add);
            rows.sort((a, b) -> Long.compare(a.index(), b.index()));
            List<long[]> segs = new ArrayList<>();
            if (rows.isEmpty()) {
                return segs.iterator();
            }
            long[] index = new long[rows.size()];
            List<Object> ids = new ArrayList<>(rows.size());
            for (int i = 0; i < index.length; i++) {
                index[i] = rows.get(i).index();
                ids.add(rows.get(i).id());
            }
            IndexFiles.write(hc.get(), new Path(indexName), part, idType, index, ids);
            for (int i = 0; narrow && i < index.length; ) {
                int j = i + 1;
                while (j < index.length && index[j] == index[j - 1] + 1) {
                    j++;
                }
                int from = i;
                BlockFiles.writeSegment(hc.get(), BlockFiles.segmentPath(new Path(dirName), index[i]), index[i], j - i, d,
                        r -> norm.apply(rows.get(from + r).x()));
                segs.add(new long[] {index[i], j - i});
                i = j;
            }
            return segs.iterator();
        }, true).collect());
        fs.delete(new Path(indexDir, TileFiles.TMP_DIR), true);
        if (!blocks) {
            return null;
        }
        if (!narrow) {
            int parts = (int) Math.max(1, Math.min(nBlocks, 4L * jsc.defaultParallelism()));
            segments = JobLabel.call(spark.sparkContext(), "spark-ntk: stage " + label + " blocks", () -> t.rows().mapToPair(r -> new Tuple2<>((int) (r.index() / bs), new Tuple2<>(r.index(), norm.apply(r.x()))))
                    .groupByKey(parts)
                    .map(g -> {
                        long start = (long) g._1() * bs;
                        int rows = (int) Math.min(bs, n - start);
                        double[][] x = new double[rows][];
                        for (Tuple2<Long, double[]> r : g._2()) {
                            x[(int) (r._1() - start)] = r._2();
                        }
                        BlockFiles.writeSegment(hc.get(), BlockFiles.segmentPath(new Path(dirName), start), start, rows, d, i -> x[i]);
                        return new long[] {start, rows};
                    }).collect());
        }
        BlockFiles.Staged staged = BlockFiles.Staged.of(dirName, n, bs, d, segments);
        LOG.info("staged {} rows of {} as {} segments ({})", n, label, staged.starts().length,
                narrow ? "one per run of consecutive rows in a partition" : "one per block, by a shuffle");
        return staged;
    }

    /** Runs the tile batches; logs progress with entries/s and an ETA. */
    private List<TileReport> runTiles(GramPlan plan, List<BlockPair> todo, BlockFiles.Staged rows, BlockFiles.Staged cols,
                                      Path tilesDir,
                                      int presentBefore, TileWriter writer) {
        List<TileReport> reports = new ArrayList<>();
        if (todo.isEmpty()) {
            return reports;
        }
        KernelConfig k = req.kernel();
        SparkContext sc = spark.sparkContext();
        LongAccumulator tilesDone = sc.longAccumulator("spark-ntk tiles");
        LongAccumulator entriesDone = sc.longAccumulator("spark-ntk entries");
        TileTask task = new TileTask(new HadoopConf(conf), rows, cols, tilesDir.toString(), k.kernel(), plan.symmetric(),
                tilesDone, entriesDone, writer);
        long todoEntries = 0;
        for (BlockPair p : todo) {
            todoEntries += (long) plan.rowsIn(p.row()) * plan.colsIn(p.col());
        }
        int parallelism = jsc.defaultParallelism();
        List<List<BlockPair>> batches = GramPlan.batches(todo, parallelism, MAX_BATCHES);
        long total = plan.tileCount();
        long start = System.nanoTime();
        final long allEntries = todoEntries;
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "spark-ntk-progress");
            th.setDaemon(true);
            return th;
        });
        ticker.scheduleAtFixedRate(() -> progress(tilesDone.value(), entriesDone.value(), todo.size(), allEntries, presentBefore,
                total, start), PROGRESS_SECONDS, PROGRESS_SECONDS, TimeUnit.SECONDS);
        try {
            int doneTiles = 0;
            for (int bi = 0; bi < batches.size(); bi++) {
                List<BlockPair> batch = batches.get(bi);
                int from = presentBefore + doneTiles + 1;
                int to = presentBefore + doneTiles + batch.size();
                List<List<BlockPair>> tasks = plan.tasks(batch, parallelism, rows.d());
                reports.addAll(JobLabel.call(sc, String.format(Locale.ROOT, "NTK tiles %d-%d/%d (batch %d/%d)", from, to, total,
                        bi + 1, batches.size()), () -> jsc.parallelize(tasks, tasks.size()).mapPartitions(task).collect()));
                doneTiles += batch.size();
                progress(doneTiles, entriesOf(reports), todo.size(), allEntries, presentBefore, total, start);
            }
        } finally {
            ticker.shutdownNow();
        }
        return reports;
    }

    private static long entriesOf(List<TileReport> reports) {
        long e = 0;
        for (TileReport r : reports) {
            e += r.entries();
        }
        return e;
    }

    private static void progress(long tiles, long entries, long todo, long todoEntries, long present, long total, long start) {
        double s = (System.nanoTime() - start) / 1e9;
        double rate = s > 0 ? entries / s : 0;
        double eta = rate > 0 ? (todoEntries - entries) / rate : Double.NaN;
        LOG.info(String.format(Locale.ROOT, "tiles %d/%d (%.0f%%), %.3g entries/s, elapsed %s, ETA %s",
                present + tiles, total, 100.0 * (present + tiles) / total, rate, duration(s),
                Double.isNaN(eta) ? "?" : duration(eta)));
    }

    /** Seconds as m:ss or h:mm:ss, for progress lines (also regress's). */
    public static String duration(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
