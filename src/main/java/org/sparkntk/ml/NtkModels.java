package org.sparkntk.ml;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.sparkntk.spec.UserError;

/** What the two NTK models share besides their params. */
final class NtkModels {

    private NtkModels() {
    }

    /** The model data broadcast once per model (creating a broadcast runs no job). */
    static Broadcast<NtkModelData> broadcast(Dataset<?> ds, NtkModelData data) {
        return JavaSparkContext.fromSparkContext(ds.sparkSession().sparkContext()).broadcast(data);
    }

    /** The k scores of one feature vector (Spark's single-row predict / predictRaw). */
    static double[] scoreOne(NtkParams p, NtkModelData data, Vector features) {
        if (features.size() != data.d()) {
            throw new UserError("the features have " + features.size() + " values but the model was fitted on " + data.d());
        }
        return data.scores(p.kernelSpec(), features.toArray(), 1);
    }
}
