package org.sparkntk.ml;

import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link NtkClassifier}: prediction (the class index) and rawPrediction (the kernel
 * regression score of each class, -Infinity for a class index absent from the training labels),
 * computed lazily from test x basis tiles in the tasks of transform.
 */
public final class NtkClassificationModel extends ClassificationModel<Vector, NtkClassificationModel>
        implements NtkParams, MLWritable {

    private static final long serialVersionUID = 1L;
    private String uid;
    private final NtkParams.Set params;
    private final NtkModelData data;
    private transient Broadcast<NtkModelData> broadcast;

    NtkClassificationModel(String uid, NtkModelData data) {
        this(Uid.stash(uid), data, true);
    }

    private NtkClassificationModel(String uid, NtkModelData data, boolean stashed) {
        this.uid = uid;
        Uid.take();
        this.data = data;
        params = new NtkParams.Set(this, org.sparkntk.regress.Fitter.AUTO_TOL_CLASSIFICATION);
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
    public int numClasses() {
        return data.numClasses();
    }

    @Override
    public int numFeatures() {
        return data.d();
    }

    /** How the solve went (solver, iterations, all_converged, lambda, tol). */
    public java.util.Map<String, Object> fitReport() {
        return java.util.Collections.unmodifiableMap(data.report());
    }

    @Override
    public Vector predictRaw(Vector features) {
        return NtkTransform.raw(data, NtkModels.scoreOne(this, data, features), 0);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        if (broadcast == null) {
            broadcast = NtkModels.broadcast(dataset, data);
        }
        return NtkTransform.apply(dataset, out, broadcast, kernelSpec(), getFeaturesCol(), getRawPredictionCol(),
                getPredictionCol());
    }

    @Override
    public StructType validateAndTransformSchema(StructType schema, boolean fitting, DataType featuresDataType) {
        return super.validateAndTransformSchema(schema, fitting, NtkParams.featuresType(schema, getFeaturesCol()));
    }

    @Override
    public NtkClassificationModel copy(ParamMap extra) {
        return copyValues(new NtkClassificationModel(uid(), data), extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new NtkModelWriter(this, data);
    }

    public static MLReader<NtkClassificationModel> read() {
        return new NtkModelWriter.Reader<>(NtkClassificationModel.class, NtkClassificationModel::new);
    }

    public static NtkClassificationModel load(String path) {
        return read().load(path);
    }
}
