package org.sparkntk.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkntk.gram.GramJob;
import org.sparkntk.io.TempDirs;
import org.sparkntk.gram.GramRequest;
import org.sparkntk.gram.GramResult;
import org.sparkntk.gram.InputTable;
import org.sparkntk.options.InputConfig;

/**
 * Computes NTK / NNGP kernels from Spark code (docs/api.md, "Java kernel API"): the Gram matrix
 * of a Dataset's rows, or the cross kernel of two, with the spec of an {@link NtkSpec}. Every
 * call runs the job of {@code ntk gram} ({@link GramJob}) on Parquet input, so results, checks
 * and messages are the command's:
 * <ul>
 * <li>a Parquet path, or a Dataset that is a plain scan of one Parquet file or folder, is read
 *     where it is;</li>
 * <li>any other Dataset has its needed columns (features, id) written to a temporary Parquet
 *     folder first ({@code <tempDir>/spark-ntk-<uuid>/input}, deleted when the job ends), so its
 *     rows get their matrix index in the Dataset's partition order.</li>
 * </ul>
 * The result goes to the folder given by {@link #output}, exactly as {@code ntk gram --output}
 * writes it; without one, to a temporary folder next to the copies, which
 * {@link KernelResult#write} moves into place and {@link KernelResult#close} deletes.
 * {@code tempDir} is the Spark setting {@value #TEMP_DIR_CONF} (default {@value #DEFAULT_TEMP_DIR}
 * on the default Hadoop file system).
 *
 * <p>Bad specs throw {@link org.sparkntk.spec.UserError} from {@link NtkSpec.Builder#build()};
 * bad output options from {@link #output}; a bad input (missing or mistyped column, null, NaN or
 * ragged features, duplicate ids) throws it from {@link #gram} / {@link #cross} before any tile
 * is computed, with the CLI's message. Immutable.
 */
public final class NtkKernels {

    private static final Logger LOG = LoggerFactory.getLogger(NtkKernels.class);

    /** Spark setting: where the temporary Parquet copies and unwritten results go. */
    public static final String TEMP_DIR_CONF = TempDirs.CONF;
    /** Its default, on the default Hadoop file system ({@code fs.defaultFS}). */
    public static final String DEFAULT_TEMP_DIR = TempDirs.DEFAULT;

    private final NtkSpec spec;
    private final String output;
    private final boolean overwrite;
    private final boolean resume;

    private NtkKernels(NtkSpec spec, String output, boolean overwrite, boolean resume) {
        if (spec == null) {
            throw new IllegalArgumentException("spec is null; build one with NtkSpec.builder()...build()");
        }
        this.spec = spec;
        this.output = output;
        this.overwrite = overwrite;
        this.resume = resume;
        if (output != null) {
            GramRequest.checkOutput(output, overwrite, resume);
        }
    }

    /** Kernels of {@code spec}, written to a temporary folder until {@link KernelResult#write}. */
    public static NtkKernels of(NtkSpec spec) {
        return new NtkKernels(spec, null, false, false);
    }

    /**
     * The same, computed straight into {@code dir} as {@code ntk gram --output dir} does (no
     * temporary result; {@link KernelResult#close} keeps it). {@code overwrite} and {@code resume}
     * are the command's {@code --overwrite} and {@code --resume}.
     *
     * @throws org.sparkntk.spec.UserError as the CLI for a blank dir or both flags
     */
    public NtkKernels output(String dir, boolean overwrite, boolean resume) {
        return new NtkKernels(spec, dir, overwrite, resume);
    }

    /** {@link #output(String, boolean, boolean)} refusing an existing folder. */
    public NtkKernels output(String dir) {
        return output(dir, false, false);
    }

    /** The spec. */
    public NtkSpec spec() {
        return spec;
    }

    /** The Gram matrix K(X, X) of the rows of {@code rows}. */
    public KernelResult gram(Dataset<Row> rows) {
        return run(rows.sparkSession(), rows, null, null, null);
    }

    /** The cross kernel K(X, Y): rows of {@code rows} by rows of {@code cols}. */
    public KernelResult cross(Dataset<Row> rows, Dataset<Row> cols) {
        return run(rows.sparkSession(), rows, cols, null, null);
    }

    /** The Gram matrix of the rows of a Parquet file or folder (what {@code ntk gram --input} reads). */
    public KernelResult gram(SparkSession spark, String parquet) {
        return run(spark, null, null, parquet, null);
    }

    /** The cross kernel of two Parquet inputs ({@code ntk gram --input ... --input2 ...}). */
    public KernelResult cross(SparkSession spark, String parquet, String parquet2) {
        if (parquet2 == null) {
            throw new IllegalArgumentException("parquet2 is null; use gram(spark, parquet) for a Gram matrix");
        }
        return run(spark, null, null, parquet, parquet2);
    }

    /**
     * One code path: Datasets become Parquet paths (their own, or a temporary copy), then the
     * Gram job runs on the paths into the output (or a temporary folder).
     */
    private KernelResult run(SparkSession spark, Dataset<Row> rows, Dataset<Row> cols, String path, String path2) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path work = null; // spark-ntk-<uuid>: the copies and an unwritten result
        boolean ok = false;
        List<Path> copies = new ArrayList<>();
        try {
            String in = path;
            String in2 = path2;
            if (rows != null) {
                InputTable.checkColumns(rows.schema(), spec.input("<Dataset>", null), "input Dataset");
                if (cols != null) {
                    InputTable.checkColumns(cols.schema(), spec.input("<Dataset>", null), "input2 Dataset");
                }
                in = plainParquetPath(rows);
                in2 = cols == null ? null : plainParquetPath(cols);
                if (in == null || (cols != null && in2 == null)) {
                    work = workDir(spark);
                }
                if (in == null) {
                    in = copy(rows, new Path(work, "input"), copies);
                }
                if (cols != null && in2 == null) {
                    in2 = copy(cols, new Path(work, "input2"), copies);
                }
            }
            String out = output;
            if (out == null) {
                if (work == null) {
                    work = workDir(spark);
                }
                out = new Path(work, "kernel").toString();
            }
            InputConfig inputs = spec.input(in, in2);
            GramResult r = GramJob.run(spark, new GramRequest(inputs, spec.kernelConfig(), out, overwrite, resume));
            ok = true;
            return new KernelResult(spark, r, output == null ? work : null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (Path p : copies) {
                delete(conf, p);
            }
            if (work != null && (!ok || output != null)) {
                delete(conf, work); // held only the copies, or a result that failed
            }
        }
    }

    /** A fresh {@code <tempDir>/spark-ntk-<uuid>} on its file system, removed at JVM exit at the latest. */
    static Path workDir(SparkSession spark) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = TempDirs.root(spark);
        FileSystem fs = root.getFileSystem(conf);
        Path dir = fs.makeQualified(new Path(root, "spark-ntk-" + UUID.randomUUID()));
        fs.mkdirs(dir);
        fs.deleteOnExit(dir);
        return dir;
    }

    /** Writes the needed columns of {@code ds} as Parquet to {@code dir}, in its partition order. */
    private String copy(Dataset<Row> ds, Path dir, List<Path> copies) {
        List<Column> select = new ArrayList<>();
        for (String c : spec.neededColumns()) {
            select.add(ds.col("`" + c.replace("`", "``") + "`"));
        }
        copies.add(dir);
        long t0 = System.nanoTime();
        ds.select(select.toArray(new Column[0])).write().parquet(dir.toString());
        LOG.info("copied the Dataset's columns {} to {} in {} ms", spec.neededColumns(), dir, (System.nanoTime() - t0) / 1_000_000);
        return dir.toString();
    }

    /**
     * The path of a Dataset that is a plain scan of one Parquet file or folder (as
     * {@code spark.read().parquet(path)} makes it: no projection, filter, partition columns or
     * reader options), which the job can read itself; null for any other Dataset.
     */
    static String plainParquetPath(Dataset<Row> ds) {
        LogicalPlan plan = ds.queryExecution().analyzed();
        if (!(plan instanceof LogicalRelation lr) || !(lr.relation() instanceof HadoopFsRelation fs)) {
            return null;
        }
        if (!(fs.fileFormat() instanceof ParquetFileFormat) || fs.partitionSchema().nonEmpty()
                || fs.location().rootPaths().size() != 1) {
            return null;
        }
        scala.collection.Iterator<String> keys = fs.options().keysIterator();
        while (keys.hasNext()) {
            String k = keys.next();
            if (!k.equalsIgnoreCase("path") && !k.equalsIgnoreCase("paths")) {
                return null; // mergeSchema, pathGlobFilter, recursiveFileLookup...: read as the Dataset says
            }
        }
        return fs.location().rootPaths().head().toString();
    }

    static void delete(Configuration conf, Path p) {
        try {
            p.getFileSystem(conf).delete(p, true);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", p, e.toString());
        }
    }
}
