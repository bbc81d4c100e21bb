package org.sparkntk.ml;

import org.sparkntk.io.TempDirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.sparkntk.options.Normalize;
import org.sparkntk.regress.Centers;
import org.sparkntk.regress.Fitted;
import org.sparkntk.regress.LabeledData;
import org.sparkntk.regress.MemoryPlan;
import org.sparkntk.regress.NystromSettings;
import org.sparkntk.regress.RegressJob;
import org.sparkntk.regress.RegressRequest;
import org.sparkntk.regress.SolverChoice;
import org.sparkntk.solve.Ridge;
import org.sparkntk.solve.Targets;
import org.sparkntk.solve.TaskChoice;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.UserError;

/**
 * The fit of the NTK estimators: the same path as {@code ntk regress} (one code path, not two).
 * The features and label are written to a temporary Parquet folder, which {@link RegressJob}'s
 * read, targets and fit steps take as {@code --train}; the fitted coefficients and the rows they
 * belong to (training rows, or Nystrom centres) come back in memory as {@link NtkModelData}.
 */
final class NtkTraining {

    private static final Logger LOG = LogManager.getLogger(NtkTraining.class);
    private static final String FEATURES = "features";
    private static final String LABEL = "label";

    private NtkTraining() {
    }

    /**
     * The {@code regress} request for these params, validated by the CLI's code: the messages are
     * the CLI's (e.g. "'depth' is 0 but must be in 1..N", "'ridge' is -1.0 but must be >= 0 and finite").
     */
    static RegressRequest request(NtkParams p, String train, String output, boolean classify) {
        KernelSpec ks = p.kernelSpec();
        Ridge ridge = new Ridge(p.getRidge(), Ridge.Scale.parse(p.getRidgeScale()));
        SolverChoice.Kind solver = SolverChoice.Kind.parse(p.getSolver());
        int rank = RegressRequest.parsePreconditioner(p.getPreconditioner());
        NystromSettings ns = p.isDefined(p.centers())
                ? new NystromSettings(p.getCenters(), Centers.Selection.UNIFORM, NystromSettings.DEFAULT_SEED) : null;
        return new RegressRequest(train, null, List.of(LABEL), FEATURES, null, output, ks.network(), ks.kernels().get(0),
                classify ? TaskChoice.CLASSIFICATION : TaskChoice.REGRESSION, ridge, solver, p.getTol(), p.getMaxIter(), rank, false,
                RegressRequest.DEFAULT_BLOCK_SIZE, true, 0, RegressRequest.defaultMaxDriverBytes(), Normalize.NONE,
                MemoryPlan.CachePrecision.AUTO, ns);
    }

    /** Fits on (featuresCol, labelCol) of DS; params are validated before any Spark job. */
    static NtkModelData fit(NtkParams p, Dataset<?> ds, String featuresCol, String labelCol, boolean classify) {
        SparkSession spark = ds.sparkSession();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path tmp = tempDir(spark);
        RegressRequest req = request(p, new Path(tmp, "train").toString(), new Path(tmp, "out").toString(), classify);
        Column label = functions.col(labelCol);
        if (classify) {
            checkClassLabels(ds, label, labelCol);
        }
        Column features = featuresCol(ds, featuresCol);
        FileSystem fs;
        try {
            fs = tmp.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            ds.select(features.as(FEATURES), label.cast(classify ? DataTypes.LongType : DataTypes.DoubleType).as(LABEL))
                    .write().parquet(req.train());
            LabeledData train = RegressJob.readTrain(spark, req);
            try {
                Targets targets = RegressJob.targets(req, train, null);
                Map<String, Double> timings = new LinkedHashMap<>();
                Consumer<String> log = s -> LOG.info("ntk fit: " + s);
                Fitted f = RegressJob.fit(spark, req, train, targets, timings, log);
                return NtkModelData.of(f);
            } finally {
                train.release();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                fs.delete(tmp, true);
            } catch (IOException e) {
                LOG.warn("could not delete the temporary training copy " + tmp + ": " + e.getMessage());
            }
        }
    }

    /** The features as array&lt;double&gt; (a Vector column converted), array&lt;float&gt; as is. */
    static Column featuresCol(Dataset<?> ds, String col) {
        Column c = functions.col(col);
        if (ds.schema().apply(col).dataType() instanceof ArrayType) {
            return c;
        }
        return org.apache.spark.ml.functions.vector_to_array(c, "float64");
    }

    /**
     * Refuses labels that are not 0-based class indices (Spark's convention for classifiers, what
     * StringIndexer produces and MulticlassClassificationEvaluator expects): NaN, infinite,
     * negative or non-integral. Nulls are left to regress's check, which names the row.
     */
    static void checkClassLabels(Dataset<?> ds, Column label, String labelCol) {
        Column bad = label.isNotNull().and(functions.isnan(label).or(label.lt(0)).or(label.notEqual(functions.floor(label)))
                .or(label.equalTo(Double.POSITIVE_INFINITY)));
        List<Row> first = ds.select(label.cast(DataTypes.DoubleType)).where(bad).limit(1).collectAsList();
        if (!first.isEmpty()) {
            throw new UserError("label column '" + labelCol + "' holds " + first.get(0).get(0) + "; a classifier needs class"
                    + " indices 0, 1, 2, ... (as doubles, Spark's convention; index string labels with StringIndexer)");
        }
    }

    /** A new folder for the temporary copy of the training data, under {@code spark.ntk.tempDir} as the Java API's copies. */
    static Path tempDir(SparkSession spark) {
        return new Path(TempDirs.root(spark), "spark-ntk-fit-" + UUID.randomUUID());
    }
}
