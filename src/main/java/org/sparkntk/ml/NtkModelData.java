package org.sparkntk.ml;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.regress.FeatureBlock;
import org.sparkntk.regress.Fitted;
import org.sparkntk.regress.KernelTiles;
import org.sparkntk.regress.Outputs;
import org.sparkntk.regress.RegressRequest;
import org.sparkntk.solve.Targets;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.UserError;

/**
 * What a fitted NTK model holds besides its params: the rows its coefficients belong to (the
 * training rows of an exact solve, or the Nystrom centres) as feature blocks, the coefficients
 * (row-major rows x k) and, for a classifier, the class index of each output. Broadcast to the
 * tasks of transform. Saved as {@code PATH/data/} (Parquet: row BIGINT, features and
 * coefficients ARRAY&lt;DOUBLE&gt;, the layout of regress's model coefficients with the features
 * inline, since an ML model cannot point back at its training input) and {@code PATH/ntk.json}.
 *
 * @param classes the class index (label value) of each output column, null for a regressor
 * @param report  how the solve went (solver, iterations, converged, lambda: as regress's metrics.json)
 */
record NtkModelData(FeatureBlock[] basis, double[] coefficients, int k, int d, long[] classes, int numClasses,
                    boolean nystrom, Map<String, Object> report) implements Serializable {

    static final String DATA = "data";
    static final String JSON = "ntk.json";

    /** From a fit: the basis rows are collected to the driver. */
    static NtkModelData of(Fitted f) {
        long[] classes = null;
        int numClasses = 0;
        if (f.targets().task() == Targets.Task.CLASSIFICATION) {
            List<Object> cs = f.targets().classes();
            classes = new long[cs.size()];
            for (int j = 0; j < classes.length; j++) {
                classes[j] = (Long) cs.get(j);
                numClasses = (int) Math.max(numClasses, classes[j] + 1);
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("n_train", f.train().n());
        report.put("lambda", f.fit().lambda());
        report.put("solver", f.fit().choice().kind().toString());
        report.put("solver_method", f.fit().result().solver());
        report.put("iterations", f.fit().result().iterations());
        report.put("all_converged", f.fit().result().allConverged());
        report.put("tol", f.tol());
        return new NtkModelData(f.basis(), f.coefficients(), f.k(), f.train().d(), classes, numClasses, f.nystrom(), report);
    }

    /** Scores K(x, basis) c of the ROWS rows in X (row-major rows x d), rows x k. */
    double[] scores(KernelSpec spec, double[] x, int rows) {
        return KernelTiles.scores(spec, new FeatureBlock(0, 0, rows, d, x), basis, coefficients, k);
    }

    /** Writes PATH/data (Parquet) and PATH/ntk.json. */
    void save(SparkSession spark, String path) throws IOException {
        StructType schema = new StructType().add("row", DataTypes.LongType, false)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                .add("coefficients", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        List<Row> rows = new ArrayList<>();
        for (FeatureBlock b : basis) {
            for (int i = 0; i < b.rows(); i++) {
                double[] x = new double[d];
                System.arraycopy(b.x(), i * d, x, 0, d);
                long r = b.start() + i;
                double[] c = new double[k];
                System.arraycopy(coefficients, (int) (r * k), c, 0, k);
                rows.add(RowFactory.create(r, x, c));
            }
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(new Path(path, DATA).toString());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "spark-ntk-ml-model");
        m.put("format_version", 1);
        m.put("basis", nystrom ? "nystrom centres" : "training rows");
        m.put("rows", (long) rows.size());
        m.put("d", d);
        m.put("k", k);
        if (classes != null) {
            m.put("classes", classes);
            m.put("num_classes", numClasses);
        }
        m.put("fit", report);
        Outputs.writeJson(spark.sparkContext().hadoopConfiguration(), new Path(path, JSON), m);
    }

    /** Reads what {@link #save} wrote. */
    @SuppressWarnings("unchecked")
    static NtkModelData load(SparkSession spark, String path) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map<String, Object> m = Outputs.readJson(conf, new Path(path, JSON));
        if (!"spark-ntk-ml-model".equals(m.get("format"))) {
            throw new UserError("'" + path + "' is not a spark-ntk ML model (" + JSON + " has format " + m.get("format") + ")");
        }
        int d = ((Number) m.get("d")).intValue();
        int k = ((Number) m.get("k")).intValue();
        int n = (int) ((Number) m.get("rows")).longValue();
        double[] x = new double[n * d];
        double[] c = new double[n * k];
        List<Row> rows = spark.read().parquet(new Path(path, DATA).toString()).collectAsList();
        if (rows.size() != n) {
            throw new UserError("'" + path + "/" + DATA + "' has " + rows.size() + " rows but " + JSON + " records " + n);
        }
        for (Row r : rows) {
            int i = (int) r.getLong(r.fieldIndex("row"));
            List<Double> f = r.getList(r.fieldIndex("features"));
            List<Double> a = r.getList(r.fieldIndex("coefficients"));
            for (int j = 0; j < d; j++) {
                x[i * d + j] = f.get(j);
            }
            for (int j = 0; j < k; j++) {
                c[i * k + j] = a.get(j);
            }
        }
        List<FeatureBlock> blocks = new ArrayList<>();
        int b = RegressRequest.DEFAULT_BLOCK_SIZE;
        for (int s = 0, idx = 0; s < n; s += b, idx++) {
            int rs = Math.min(b, n - s);
            double[] bx = new double[rs * d];
            System.arraycopy(x, s * d, bx, 0, rs * d);
            blocks.add(new FeatureBlock(idx, s, rs, d, bx));
        }
        long[] classes = null;
        int numClasses = 0;
        if (m.containsKey("classes")) {
            List<Number> cs = (List<Number>) m.get("classes");
            classes = new long[cs.size()];
            for (int j = 0; j < classes.length; j++) {
                classes[j] = cs.get(j).longValue();
            }
            numClasses = ((Number) m.get("num_classes")).intValue();
        }
        return new NtkModelData(blocks.toArray(new FeatureBlock[0]), c, k, d, classes, numClasses,
                "nystrom centres".equals(m.get("basis")), (Map<String, Object>) m.get("fit"));
    }
}
