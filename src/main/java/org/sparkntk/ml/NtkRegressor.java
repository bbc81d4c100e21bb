package org.sparkntk.ml;

import org.apache.spark.ml.regression.Regressor;
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
 * NTK / NNGP kernel ridge regression as a Spark ML estimator (docs/api.md, "Spark ML"): the fit
 * of {@code ntk regress --task regression} on one numeric label; features an ML Vector,
 * array&lt;double&gt; or array&lt;float&gt;.
 */
public final class NtkRegressor extends Regressor<Vector, NtkRegressor, NtkRegressionModel>
        implements NtkSetters<NtkRegressor>, DefaultParamsWritable {

    private static final long serialVersionUID = 1L;
    private String uid;
    private final NtkParams.Set params;

    public NtkRegressor() {
        this(Uid.random("ntkRegressor"));
    }

    public NtkRegressor(String uid) {
        this(Uid.stash(uid), true);
    }

    private NtkRegressor(String uid, boolean stashed) {
        this.uid = uid;
        Uid.take();
        params = new NtkParams.Set(this, Fitter.AUTO_TOL_REGRESSION);
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
    public NtkRegressionModel train(Dataset<?> dataset) {
        return new NtkRegressionModel(uid(), NtkTraining.fit(this, dataset, getFeaturesCol(), getLabelCol(), false));
    }

    @Override
    public StructType validateAndTransformSchema(StructType schema, boolean fitting, DataType featuresDataType) {
        return super.validateAndTransformSchema(schema, fitting, NtkParams.featuresType(schema, getFeaturesCol()));
    }

    @Override
    public NtkRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<NtkRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static NtkRegressor load(String path) {
        return read().load(path);
    }
}
