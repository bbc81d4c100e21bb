package org.sparkntk.ml;

import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.kernel.Activations;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;

/**
 * The kernel and solver params shared by the NTK estimators and models: the options of
 * {@code ntk regress} as Spark {@link Param}s, named as in docs/api.md. Their defaults are the
 * CLI's; they are validated at {@code fit} by the same code as the CLI ({@link NtkTraining#request}),
 * so a bad value fails with the CLI's message. Each stage holds its own {@link Set}.
 */
public interface NtkParams extends Params {

    /** This stage's param objects. */
    Set ntkParams();

    /** activation (String, default relu): the network's nonlinearity, as {@code --activation}. */
    default Param<String> activation() {
        return ntkParams().activation;
    }

    /** depth (Int, default 3): weight layers L &gt;= 1, as {@code --depth}. */
    default IntParam depth() {
        return ntkParams().depth;
    }

    /** weightStd (Double, default 1.0): sigma_w, as {@code --weight-std}. */
    default DoubleParam weightStd() {
        return ntkParams().weightStd;
    }

    /** biasStd (Double, default 0.0): beta, as {@code --bias-std}. */
    default DoubleParam biasStd() {
        return ntkParams().biasStd;
    }

    /** kernel (String, default ntk): ntk or nngp, as {@code --kernel}. */
    default Param<String> kernel() {
        return ntkParams().kernel;
    }

    /** ridge (Double, default 1e-6): lambda &gt;= 0, as {@code --ridge}. */
    default DoubleParam ridge() {
        return ntkParams().ridge;
    }

    /** ridgeScale (String, default absolute): absolute or trace, as {@code --ridge-scale}. */
    default Param<String> ridgeScale() {
        return ntkParams().ridgeScale;
    }

    /** solver (String, default auto): auto, cholesky, pcg or nystrom, as {@code --solver}. */
    default Param<String> solver() {
        return ntkParams().solver;
    }

    /** tol (Double): PCG tolerance in (0, 1); default the CLI's auto value for the task (1e-3 classification, 1e-6 regression). */
    default DoubleParam tol() {
        return ntkParams().tol;
    }

    /** maxIter (Int, default 1000): PCG iteration limit, as {@code --max-iter}. */
    default IntParam maxIter() {
        return ntkParams().maxIter;
    }

    /** preconditioner (String, default auto): auto, none or nystrom:RANK, as {@code --preconditioner}. */
    default Param<String> preconditioner() {
        return ntkParams().preconditioner;
    }

    /** centers (Int, no default): Nystrom centres M, with solver nystrom only, as {@code --centers}. */
    default IntParam centers() {
        return ntkParams().centers;
    }

    default String getActivation() {
        return getOrDefault(activation());
    }

    default int getDepth() {
        return (Integer) getOrDefault(depth());
    }

    default double getWeightStd() {
        return (Double) getOrDefault(weightStd());
    }

    default double getBiasStd() {
        return (Double) getOrDefault(biasStd());
    }

    default String getKernel() {
        return getOrDefault(kernel());
    }

    default double getRidge() {
        return (Double) getOrDefault(ridge());
    }

    default String getRidgeScale() {
        return getOrDefault(ridgeScale());
    }

    default String getSolver() {
        return getOrDefault(solver());
    }

    default double getTol() {
        return (Double) getOrDefault(tol());
    }

    default int getMaxIter() {
        return (Integer) getOrDefault(maxIter());
    }

    default String getPreconditioner() {
        return getOrDefault(preconditioner());
    }

    /** The number of Nystrom centres; throws when unset (it has no default). */
    default int getCenters() {
        return (Integer) getOrDefault(centers());
    }

    /**
     * The kernel these params ask for, validated as the CLI validates {@code --activation},
     * {@code --depth}, {@code --weight-std}, {@code --bias-std} and {@code --kernel}.
     */
    default KernelSpec kernelSpec() {
        KernelConfig kc = KernelConfig.of(getActivation(), getDepth(), null, getWeightStd(), getBiasStd(), null, null, null);
        return KernelSpec.of(kc.kernel().network(), KernelKind.parse("kernel", getKernel()));
    }

    /**
     * The features column's type when it is one the stages accept besides Spark's Vector
     * (array&lt;double&gt;, array&lt;float&gt;), else the Vector type, so that Spark's schema check
     * reports any other type with its usual message.
     */
    static DataType featuresType(StructType schema, String col) {
        if (List.of(schema.fieldNames()).contains(col)) {
            DataType t = schema.apply(col).dataType();
            if (t.equals(DataTypes.createArrayType(DataTypes.DoubleType, true)) || t.equals(DataTypes.createArrayType(DataTypes.DoubleType, false))
                    || t.equals(DataTypes.createArrayType(DataTypes.FloatType, true))
                    || t.equals(DataTypes.createArrayType(DataTypes.FloatType, false))) {
                return t;
            }
        }
        return SQLDataTypes.VectorType();
    }

    /**
     * The param objects of one stage, with the CLI's defaults. No validators: a bad value is refused
     * at fit with the CLI's message, not at set. Serializable as Spark's stages are.
     */
    final class Set implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final Param<String> activation;
        final IntParam depth;
        final DoubleParam weightStd;
        final DoubleParam biasStd;
        final Param<String> kernel;
        final DoubleParam ridge;
        final Param<String> ridgeScale;
        final Param<String> solver;
        final DoubleParam tol;
        final IntParam maxIter;
        final Param<String> preconditioner;
        final IntParam centers;

        /** Creates the params of OWNER and sets their defaults; {@code defaultTol} is the task's auto tolerance. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        Set(Params owner, double defaultTol) {
            activation = new Param<>(owner.uid(), "activation", "activation: " + Activations.NAMES_TEXT
                    + " (as ntk regress --activation)");
            depth = new IntParam(owner.uid(), "depth", "number of weight layers L >= 1");
            weightStd = new DoubleParam(owner.uid(), "weightStd", "weight std sigma_w > 0");
            biasStd = new DoubleParam(owner.uid(), "biasStd", "bias std beta >= 0");
            kernel = new Param<>(owner.uid(), "kernel", "kernel to regress with: ntk or nngp");
            ridge = new DoubleParam(owner.uid(), "ridge", "ridge lambda >= 0 added to the diagonal");
            ridgeScale = new Param<>(owner.uid(), "ridgeScale", "absolute: lambda as given; trace: lambda * trace(K) / N");
            solver = new Param<>(owner.uid(), "solver", "auto, cholesky, pcg or nystrom (with centers)");
            tol = new DoubleParam(owner.uid(), "tol", "PCG stops an output when ||r|| <= tol ||y||, in (0, 1)");
            maxIter = new IntParam(owner.uid(), "maxIter", "PCG iteration limit >= 1");
            preconditioner = new Param<>(owner.uid(), "preconditioner", "PCG preconditioner: auto, none or nystrom:RANK");
            centers = new IntParam(owner.uid(), "centers", "number of Nystrom centres M, 1 <= M <= N (solver nystrom only)");
            owner.setDefault((Param) activation, KernelConfig.DEFAULT_ACTIVATION);
            owner.setDefault((Param) depth, KernelConfig.DEFAULT_DEPTH);
            owner.setDefault((Param) weightStd, Double.parseDouble(KernelConfig.DEFAULT_WEIGHT_STD));
            owner.setDefault((Param) biasStd, Double.parseDouble(KernelConfig.DEFAULT_BIAS_STD));
            owner.setDefault((Param) kernel, org.sparkntk.regress.RegressRequest.DEFAULT_KERNEL);
            owner.setDefault((Param) ridge, Double.parseDouble(org.sparkntk.regress.RegressRequest.DEFAULT_RIDGE));
            owner.setDefault((Param) ridgeScale, org.sparkntk.regress.RegressRequest.DEFAULT_RIDGE_SCALE);
            owner.setDefault((Param) solver, org.sparkntk.regress.RegressRequest.DEFAULT_SOLVER);
            owner.setDefault((Param) tol, defaultTol);
            owner.setDefault((Param) maxIter, Integer.parseInt(org.sparkntk.regress.RegressRequest.DEFAULT_MAX_ITER));
            owner.setDefault((Param) preconditioner, org.sparkntk.regress.RegressRequest.DEFAULT_PRECONDITIONER);
        }
    }
}
