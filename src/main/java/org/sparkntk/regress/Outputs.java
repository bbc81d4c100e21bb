package org.sparkntk.regress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.io.RowParquet;
import org.sparkntk.solve.Metrics;
import org.sparkntk.solve.Targets;

/** Predictions Parquet and JSON files of a regression output, written to a temporary name and renamed. */
public final class Outputs {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Outputs() {
    }

    /** Writes JSON to PATH atomically (temporary file, rename). */
    public static void writeJson(Configuration conf, Path path, Object value) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        Path tmp = new Path(path.getParent(), "." + path.getName() + ".tmp");
        try (OutputStream o = fs.create(tmp, true)) {
            JSON.writeValue(o, value);
        }
        fs.delete(path, false);
        if (!fs.rename(tmp, path)) {
            throw new IOException("could not rename " + tmp + " to " + path);
        }
    }

    /** Reads a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readJson(Configuration conf, Path path) throws IOException {
        try (java.io.InputStream in = path.getFileSystem(conf).open(path)) {
            return JSON.readValue(in, LinkedHashMap.class);
        }
    }

    /** The class value in the type of the training label column. */
    static Object asType(Object cls, DataType t) {
        if (cls instanceof Long l) {
            if (t.equals(DataTypes.IntegerType)) {
                return (int) (long) l;
            }
            if (t.equals(DataTypes.ShortType)) {
                return (short) (long) l;
            }
            if (t.equals(DataTypes.ByteType)) {
                return (byte) (long) l;
            }
        }
        return cls;
    }

    /**
     * Writes OUT/predictions (id, the true labels when present, prediction, scores for classification)
     * and returns the quality metrics (accuracy, or rmse and r2) when the test set has labels.
     */
    public static Map<String, Object> writePredictions(SparkSession spark, String out, LabeledData test, Targets targets,
                                                       List<String> labelCols, List<DataType> trainLabelTypes,
                                                       double[] scores, int k) throws IOException {
        int n = (int) test.n();
        boolean truth = test.hasLabels();
        StructType schema = new StructType().add("id", test.idType(), true);
        if (truth) {
            for (int j = 0; j < labelCols.size(); j++) {
                schema = schema.add(labelCols.get(j), test.labelTypes().get(j), true);
            }
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>(n);
        if (targets.task() == Targets.Task.CLASSIFICATION) {
            DataType pt = trainLabelTypes.get(0);
            schema = schema.add("prediction", pt, false)
                    .add("scores", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
            int[] pred = new int[n];
            int[] want = new int[n];
            for (int i = 0; i < n; i++) {
                pred[i] = Targets.argmax(scores, i, k);
                double[] sc = new double[k];
                System.arraycopy(scores, i * k, sc, 0, k);
                List<Object> vals = new ArrayList<>();
                vals.add(test.ids().get(i));
                if (truth) {
                    Object l = test.labels().get(i)[0];
                    vals.add(l);
                    want[i] = l == null ? -2 : targets.classIndex(Targets.normalize(l, labelCols.get(0), i));
                }
                vals.add(asType(targets.classes().get(pred[i]), pt));
                vals.add(sc);
                rows.add(RowFactory.create(vals.toArray()));
            }
            if (truth) {
                metrics.put("accuracy", Metrics.accuracy(pred, want));
            }
        } else {
            boolean single = k == 1;
            schema = schema.add("prediction", single ? DataTypes.DoubleType : DataTypes.createArrayType(DataTypes.DoubleType, false), false);
            double[] want = new double[n * k];
            boolean allTruth = truth;
            for (int i = 0; i < n; i++) {
                List<Object> vals = new ArrayList<>();
                vals.add(test.ids().get(i));
                if (truth) {
                    Object[] ls = test.labels().get(i);
                    for (int c = 0; c < k; c++) {
                        vals.add(ls[c]);
                        if (ls[c] instanceof Number num && Double.isFinite(num.doubleValue())) {
                            want[i * k + c] = num.doubleValue();
                        } else {
                            allTruth = false;
                        }
                    }
                }
                if (single) {
                    vals.add(scores[i]);
                } else {
                    double[] p = new double[k];
                    System.arraycopy(scores, i * k, p, 0, k);
                    vals.add(p);
                }
                rows.add(RowFactory.create(vals.toArray()));
            }
            if (allTruth) {
                double[] rmse = Metrics.rmse(scores, want, k);
                double[] r2 = Metrics.r2(scores, want, k);
                metrics.put("rmse", single ? (Object) rmse[0] : toList(rmse));
                metrics.put("r2", single ? (Object) r2[0] : toList(r2));
            }
        }
        Path dst = new Path(out, "predictions");
        Path tmp = new Path(out, "_predictions.tmp");
        FileSystem fs = dst.getFileSystem(spark.sparkContext().hadoopConfiguration());
        fs.delete(tmp, true);
        writeRows(spark, tmp, schema, rows, Math.max(1, Math.min(8, n / 50_000 + 1)));
        fs.delete(dst, true);
        if (!fs.rename(tmp, dst)) {
            throw new IOException("could not rename " + tmp + " to " + dst);
        }
        return metrics;
    }

    /**
     * Writes rows held on the driver as a Parquet directory of {@code files} part files: one file of
     * column types {@link RowParquet} covers without a Spark SQL query, anything else with Spark SQL.
     */
    static void writeRows(SparkSession spark, Path dir, StructType schema, List<Row> rows, int files) throws IOException {
        if (files == 1 && RowParquet.covers(schema)) {
            RowParquet.write(spark.sparkContext().hadoopConfiguration(), dir, schema, rows);
        } else {
            spark.createDataFrame(rows, schema).coalesce(files).write().parquet(dir.toString());
        }
    }

    static List<Double> toList(double[] a) {
        List<Double> l = new ArrayList<>(a.length);
        for (double v : a) {
            l.add(v);
        }
        return l;
    }
}
