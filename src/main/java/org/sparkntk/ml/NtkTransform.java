package org.sparkntk.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.UserError;

/**
 * The transform of the NTK models, lazy: a mapPartitions over the input that gathers each
 * partition's rows in chunks and scores a chunk against the broadcast basis rows and
 * coefficients tile by tile ({@link NtkModelData#scores}: the tile kernel regress's predict
 * uses). Appends the model's output columns (raw scores, prediction) to every row.
 */
final class NtkTransform implements Serializable {

    /** Rows scored together: a chunk x 1024 tile is 2 MB. */
    static final int CHUNK = 256;

    private final Broadcast<NtkModelData> data;
    private final KernelSpec spec;
    private final int featuresIndex;
    private final String featuresCol;
    private final int inputWidth;
    private final String[] outputs; // per appended column: "raw" or "prediction"

    private NtkTransform(Broadcast<NtkModelData> data, KernelSpec spec, int featuresIndex, String featuresCol, int inputWidth,
                         String[] outputs) {
        this.data = data;
        this.spec = spec;
        this.featuresIndex = featuresIndex;
        this.featuresCol = featuresCol;
        this.inputWidth = inputWidth;
        this.outputs = outputs;
    }

    /**
     * DS with the columns OUT adds to it (OUT: the model's transformSchema of DS's schema):
     * RAWCOL the raw scores (a Vector of numClasses, classifiers), PREDCOL the prediction.
     */
    static Dataset<Row> apply(Dataset<?> ds, StructType out, Broadcast<NtkModelData> data, KernelSpec spec, String featuresCol,
                              String rawCol, String predCol) {
        Dataset<Row> df = ds.toDF();
        int width = df.schema().size();
        String[] outputs = new String[out.size() - width];
        for (int j = 0; j < outputs.length; j++) {
            String name = out.fields()[width + j].name();
            if (name.equals(rawCol)) {
                outputs[j] = "raw";
            } else if (name.equals(predCol)) {
                outputs[j] = "prediction";
            } else {
                throw new IllegalStateException("unexpected output column '" + name + "'");
            }
        }
        NtkTransform t = new NtkTransform(data, spec, df.schema().fieldIndex(featuresCol), featuresCol, width, outputs);
        return df.mapPartitions((MapPartitionsFunction<Row, Row>) t::score, Encoders.row(out));
    }

    private Iterator<Row> score(Iterator<Row> in) {
        NtkModelData m = data.value();
        return new Iterator<>() {
            private final List<Row> chunk = new ArrayList<>(CHUNK);
            private double[] scores;
            private int next;

            @Override
            public boolean hasNext() {
                if (next < chunk.size()) {
                    return true;
                }
                chunk.clear();
                next = 0;
                while (chunk.size() < CHUNK && in.hasNext()) {
                    chunk.add(in.next());
                }
                if (chunk.isEmpty()) {
                    return false;
                }
                double[] x = new double[chunk.size() * m.d()];
                for (int i = 0; i < chunk.size(); i++) {
                    features(chunk.get(i), m.d(), x, i * m.d());
                }
                scores = m.scores(spec, x, chunk.size());
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row r = chunk.get(next);
                Object[] v = Arrays.copyOf(toArray(r), inputWidth + outputs.length);
                for (int j = 0; j < outputs.length; j++) {
                    v[inputWidth + j] = outputs[j].equals("raw") ? raw(m, scores, next) : prediction(m, scores, next);
                }
                next++;
                return RowFactory.create(v);
            }
        };
    }

    private Object[] toArray(Row r) {
        Object[] v = new Object[inputWidth];
        for (int j = 0; j < inputWidth; j++) {
            v[j] = r.get(j);
        }
        return v;
    }

    /** Copies row R's features into X at OFF, refusing a null, a wrong length or a non-finite value. */
    private void features(Row r, int d, double[] x, int off) {
        Object f = r.get(featuresIndex);
        if (f == null) {
            throw new UserError("features column '" + featuresCol + "' is null in a row to transform");
        }
        int len;
        if (f instanceof Vector v) {
            len = v.size();
            if (len == d) {
                for (int j = 0; j < d; j++) {
                    x[off + j] = v.apply(j);
                }
            }
        } else {
            List<Object> l = r.getList(featuresIndex);
            len = l.size();
            if (len == d) {
                for (int j = 0; j < d; j++) {
                    Object e = l.get(j);
                    x[off + j] = e == null ? Double.NaN : ((Number) e).doubleValue();
                }
            }
        }
        if (len != d) {
            throw new UserError("features column '" + featuresCol + "' has " + len + " values in a row to transform but the model"
                    + " was fitted on " + d);
        }
        for (int j = 0; j < d; j++) {
            if (!Double.isFinite(x[off + j])) {
                throw new UserError("features column '" + featuresCol + "' holds " + x[off + j] + " (feature " + j
                        + ") in a row to transform; features must be finite");
            }
        }
    }

    /**
     * A classifier's raw scores: numClasses entries, the regression score of each class seen in
     * training, -Infinity for a class index absent from the training labels (never predicted).
     */
    static Vector raw(NtkModelData m, double[] scores, int i) {
        double[] r = new double[m.numClasses()];
        Arrays.fill(r, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < m.k(); j++) {
            r[(int) m.classes()[j]] = scores[i * m.k() + j];
        }
        return Vectors.dense(r);
    }

    /** The class index of the largest score (first on ties, as regress), or the regression score. */
    static double prediction(NtkModelData m, double[] scores, int i) {
        if (m.classes() == null) {
            return scores[i * m.k()];
        }
        return m.classes()[org.sparkntk.solve.Targets.argmax(scores, i, m.k())];
    }
}
