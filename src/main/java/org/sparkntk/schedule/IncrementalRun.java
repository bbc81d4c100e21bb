package org.sparkntk.schedule;

import org.sparkntk.io.JobLabel;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkntk.gram.GramJob;
import org.sparkntk.gram.GramRequest;
import org.sparkntk.gram.GramResult;
import org.sparkntk.gram.InputTable;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.KernelManifest.FileFingerprint;
import org.sparkntk.io.TileStore;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.spec.UserError;

/**
 * {@code ntk run SPEC}: brings OUT up to date with the spec's input, idempotently
 * (docs/scheduling.md): compute from scratch when OUT does not exist, finish an interrupted run,
 * do nothing when nothing changed, append when the input gained files, refuse otherwise.
 * The decision is {@link UpdatePlanner}'s; this class runs it on Spark and commits.
 *
 * <p>An append computes into {@code OUT/_append/} with the Gram job (which skips the tiles that stay
 * valid), then commits: marker {@code OUT/_append/_COMMIT}, kernel.json removed, new tiles and the
 * new index moved in by renames, kernel.json written last. A crash before the marker leaves the
 * old result untouched (the staging folder is discarded next time); a crash after it is rolled
 * forward by the next run.
 */
public final class IncrementalRun {

    private static final Logger LOG = LoggerFactory.getLogger(IncrementalRun.class);

    /** Staging folder of an append inside OUT. */
    public static final String STAGING = "_append";
    /** Marker: the staged append is complete and is being moved in. */
    public static final String COMMIT_MARKER = "_COMMIT";

    /** What the run did; {@code message} is printed. */
    public enum Action { COMPUTED, RESUMED, UP_TO_DATE, APPENDED, OVERWRITTEN }

    /** The outcome of a run. */
    public record Outcome(Action action, String message, long tilesComputed) {
    }

    private final SparkSession spark;
    private final JobSpec spec;
    private final Configuration conf;

    private IncrementalRun(SparkSession spark, JobSpec spec) {
        this.spark = spark;
        this.spec = spec;
        this.conf = spark.sparkContext().hadoopConfiguration();
    }

    /** Runs the spec; throws {@link UserError} (exit 2) when it must refuse. */
    public static Outcome run(SparkSession spark, JobSpec spec, boolean overwrite) throws IOException {
        return new IncrementalRun(spark, spec).run(overwrite);
    }

    private Outcome run(boolean overwrite) throws IOException {
        Path out = new Path(spec.output());
        FileSystem fs = out.getFileSystem(conf);
        out = fs.makeQualified(out);
        Path staging = new Path(out, STAGING);
        if (fs.exists(new Path(staging, COMMIT_MARKER))) {
            LOG.info("finishing the commit of an interrupted append in {}", staging);
            commit(fs, out, staging);
            System.out.println("finished the commit of an interrupted append");
        } else if (fs.exists(staging)) {
            LOG.info("discarding an unfinished append in {} (the result before it is intact)", staging);
            fs.delete(staging, true);
        }
        if (!fs.exists(out)) {
            GramResult r = GramJob.run(spark, request(spec.output(), spec.kernel(), false, false));
            return new Outcome(Action.COMPUTED, r.summary(), r.tilesComputed());
        }
        if (overwrite) {
            GramResult r = GramJob.run(spark, request(spec.output(), spec.kernel(), true, false));
            return new Outcome(Action.OVERWRITTEN, r.summary(), r.tilesComputed());
        }
        Path kernelJson = new Path(out, KernelManifest.KERNEL_JSON);
        if (!fs.exists(kernelJson)) {
            if (!fs.exists(new Path(out, KernelManifest.PLAN_JSON))) {
                throw new UserError("output '" + spec.output() + "' exists but holds no spark-ntk result (no "
                        + KernelManifest.KERNEL_JSON + " or " + KernelManifest.PLAN_JSON + "); pass --overwrite to replace it");
            }
            LOG.info("{} has no {}: finishing the interrupted run (--resume)", spec.output(), KernelManifest.KERNEL_JSON);
            GramResult r = GramJob.run(spark, request(spec.output(), spec.kernel(), false, true));
            return new Outcome(Action.RESUMED, r.summary(), r.tilesComputed());
        }
        KernelManifest done = KernelManifest.read(conf, kernelJson);
        List<FileFingerprint> files = fingerprint(spec.input().input());
        List<FileFingerprint> files2 = spec.input().cross() ? fingerprint(spec.input().input2()) : null;
        UpdatePlanner.Decision d = UpdatePlanner.decide(done, spec.input(), spec.kernel(), files, files2);
        if (d instanceof UpdatePlanner.Refuse r) {
            throw new UserError("refusing to update '" + spec.output() + "': " + r.message());
        }
        if (d instanceof UpdatePlanner.UpToDate u) {
            String msg = String.format(Locale.ROOT,
                    "up to date: '%s' holds all %d rows of '%s' (no input file added or changed); nothing to do",
                    spec.output(), u.n(), spec.input().input());
            return new Outcome(Action.UP_TO_DATE, msg, 0);
        }
        UpdatePlanner.Append a = (UpdatePlanner.Append) d;
        return append(fs, out, staging, done, a);
    }

    private Outcome append(FileSystem fs, Path out, Path staging, KernelManifest done, UpdatePlanner.Append a)
            throws IOException {
        LOG.info("input gained {} file(s): appending to {} rows, keeping the tiles of the first {} blocks",
                a.newFiles().size(), a.oldN(), a.keepBlocks());
        KernelConfig k = spec.kernel().withBlockSize(a.blockSize());
        GramResult r;
        try {
            r = GramJob.run(spark, new GramRequest(spec.input(), k, staging.toString(), false, false, a.keepBlocks()));
            checkEarlierRows(new Path(out, GramJob.INDEX_DIR), new Path(staging, GramJob.INDEX_DIR), a.oldN());
        } catch (IOException | RuntimeException e) {
            fs.delete(staging, true);
            throw e;
        }
        commit(fs, out, staging);
        KernelManifest now = KernelManifest.read(conf, new Path(out, KernelManifest.KERNEL_JSON));
        long kept = now.tilePairs() - r.tilesComputed();
        String msg = String.format(Locale.ROOT,
                "appended %d rows: N %d -> %d; computed %d tiles (new rows x all rows%s), kept %d; "
                        + "index and kernel.json extended%n%s",
                now.n() - a.oldN(), a.oldN(), now.n(), r.tilesComputed(),
                a.oldN() % a.blockSize() != 0 ? ", and the old ragged last block" : "", kept, r.summary());
        return new Outcome(Action.APPENDED, msg, r.tilesComputed());
    }

    /** The rows of the old index keep their ids in the new one (else the rows moved: refuse). */
    private void checkEarlierRows(Path oldIndex, Path newIndex, long oldN) {
        Dataset<Row> before = spark.read().parquet(oldIndex.toString());
        Dataset<Row> after = spark.read().parquet(newIndex.toString()).filter("row < " + oldN);
        long moved = JobLabel.call(spark.sparkContext(), "spark-ntk: check that earlier rows kept their positions",
                () -> before.exceptAll(after).count());
        if (moved > 0) {
            throw new UserError("refusing to update '" + spec.output() + "': " + moved + " earlier row(s) would get a different"
                    + " id or position. Only appending new files is incremental; pass --overwrite to recompute");
        }
    }

    /**
     * Moves a complete staged append into OUT; idempotent, so an interrupted commit is finished by
     * calling it again. kernel.json is absent while the renames run and written last.
     */
    static void commit(FileSystem fs, Path out, Path staging) throws IOException {
        Path marker = new Path(staging, COMMIT_MARKER);
        if (!fs.exists(marker)) {
            fs.create(marker, true).close();
        }
        Path kernelJson = new Path(out, KernelManifest.KERNEL_JSON);
        fs.delete(kernelJson, false);
        Configuration c = fs.getConf();
        String outS = out.toString();
        String stS = staging.toString();
        for (int[] ij : TileStore.listTiles(c, stS)) {
            Path src = TileStore.tilePath(stS, ij[0], ij[1]);
            Path dst = TileStore.tilePath(outS, ij[0], ij[1]);
            fs.delete(dst, false);
            if (!fs.rename(src, dst)) {
                throw new IOException("could not move " + src + " to " + dst);
            }
        }
        moveDir(fs, new Path(staging, GramJob.INDEX_DIR), new Path(out, GramJob.INDEX_DIR));
        Path stagedKernel = new Path(staging, KernelManifest.KERNEL_JSON);
        KernelManifest m = KernelManifest.read(c, stagedKernel);
        KernelManifest.read(c, new Path(staging, KernelManifest.PLAN_JSON)).write(c, new Path(out, KernelManifest.PLAN_JSON));
        long bytes = 0;
        List<int[]> tiles = TileStore.listTiles(c, outS);
        for (int[] ij : tiles) {
            bytes += fs.getFileStatus(TileStore.tilePath(outS, ij[0], ij[1])).getLen();
        }
        if (tiles.size() != m.tilePairs()) {
            throw new IOException("append commit: " + tiles.size() + " tile files in " + out + " but the plan has " + m.tilePairs());
        }
        m.completed(tiles.size(), bytes, m.timingsSeconds(), m.executors(), Instant.now().toString()).write(c, kernelJson);
        fs.delete(staging, true);
        LOG.info("committed the append: {} ({} tiles, N={})", kernelJson, tiles.size(), m.n());
    }

    /** Replaces dst by src (dst kept as dst.old until src is in place). */
    private static void moveDir(FileSystem fs, Path src, Path dst) throws IOException {
        Path old = new Path(dst.getParent(), "_" + dst.getName() + ".old");
        if (!fs.exists(src)) {
            fs.delete(old, true); // already moved by an earlier, interrupted commit
            return;
        }
        if (fs.exists(dst) && !fs.exists(old) && !fs.rename(dst, old)) {
            throw new IOException("could not move " + dst + " to " + old);
        }
        fs.delete(dst, true);
        if (!fs.rename(src, dst)) {
            throw new IOException("could not move " + src + " to " + dst);
        }
        fs.delete(old, true);
    }

    private GramRequest request(String output, KernelConfig k, boolean overwrite, boolean resume) {
        return new GramRequest(spec.input(), k, output, overwrite, resume);
    }

    /** The input's fingerprint, as the Gram job records it. */
    private List<FileFingerprint> fingerprint(String path) {
        try {
            return InputTable.fingerprint(spark, spark.read().parquet(path));
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UserError("input '" + path + "' cannot be read as Parquet: " + e.getMessage(), e);
        }
    }
}
