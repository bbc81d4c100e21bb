package org.sparkntk.ml;

import org.apache.spark.ml.classification.Classifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.regress.Fitter;

/**
 * NTK / NNGP kernel classification as a Spark ML estimator (docs/api.md, "Spark ML"): the fit of
 * {@code ntk regress --task classification}. Labels are Spark's 0-based class indices (doubles,
 * as StringIndexer makes them); features an ML Vector, array&lt;double&gt; or array&lt;float&gt;.
 */
public final class NtkClassifier extends Classifier<Vector, NtkClassifier, NtkClassificationModel>
        implements NtkSetters<NtkClassifier>, DefaultParamsWritable {

    private static final long serialVersionUID = 1L;
    private String uid;
    private final NtkParams.Set params;

    public NtkClassifier() {
        this(Uid.random("ntkClassifier"));
    }

    public NtkClassifier(String uid) {
        this(Uid.stash(uid), true);
    }

    private NtkClassifier(String uid, boolean stashed) {
        this.uid = uid;
        Uid.take();
        params = new NtkParams.Set(this, Fitter.AUTO_TOL_CLASSIFICATION);
    }

    @Override
    public String uid() {
        if (uid == null) {
            uid = Uid.take(); // called from Spark's constructor, before this class's
        }
        return uid;
    }

    @Override
    public NtkParams.Set ntkParams() {
        return params;
    }

    @Override
    public NtkClassificationModel train(Dataset<?> dataset) {
        return new NtkClassificationModel(uid(), NtkTraining.fit(this, dataset, getFeaturesCol(), getLabelCol(), true));
    }

    @Override
    public StructType validateAndTransformSchema(StructType schema, boolean fitting, DataType featuresDataType) {
        return super.validateAndTransformSchema(schema, fitting, NtkParams.featuresType(schema, getFeaturesCol()));
    }

    @Override
    public NtkClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<NtkClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static NtkClassifier load(String path) {
        return read().load(path);
    }
}
