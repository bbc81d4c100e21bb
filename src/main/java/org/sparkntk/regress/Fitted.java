package org.sparkntk.regress;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.sparkntk.solve.Targets;

/**
 * A kernel regression solved in memory ({@link RegressJob#fit}): what the predict step, the model
 * files and the Spark ML models need. The coefficients belong to the training rows (exact
 * solvers, row-major N x k) or to the centres (Nystrom, M x k).
 *
 * @param train   the training set, still cached (the caller releases it)
 * @param centers the Nystrom centres, null for the exact solvers
 * @param plan    the memory plan the solve followed (reported in metrics.json)
 * @param tol     the tolerance used (auto resolved for the task)
 */
public record Fitted(RegressRequest req, LabeledData train, Targets targets, Fitter.Fit fit, Centers centers,
                     MemoryPlan plan, double tol, int maxIter) {

    /** True for a Nystrom model. */
    public boolean nystrom() {
        return centers != null;
    }

    /** Outputs per row (classes, or label columns). */
    public int k() {
        return targets.width();
    }

    /** The coefficients, row-major (rows of {@link #basis()}) x k. */
    public double[] coefficients() {
        return fit.alpha();
    }

    /**
     * The rows the coefficients belong to, as feature blocks in row order (collected to the driver):
     * the normalized training rows, or the centres. Each block's start is its first coefficient row.
     */
    public FeatureBlock[] basis() {
        if (nystrom()) {
            return new FeatureBlock[] {centers.block()};
        }
        List<FeatureBlock> blocks = train.blocks().collect();
        FeatureBlock[] out = blocks.toArray(new FeatureBlock[0]);
        Arrays.sort(out, Comparator.comparingLong(FeatureBlock::start));
        return out;
    }

    /** What model.json records about this fit. */
    ModelStore.Info modelInfo(String kernelSource) {
        return new ModelStore.Info(req.spec(), req.kind(), req.blockSize(), req.train(), req.featuresCol(), req.idCol(),
                train.n(), train.d(), train.ids(), train.idType(), targets, req.labelCols(), train.labelTypes(), req.ridge(),
                kernelSource, train.normalizer());
    }
}
