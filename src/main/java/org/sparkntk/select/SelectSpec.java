package org.sparkntk.select;

import java.util.List;
import org.sparkntk.options.Normalize;
import org.sparkntk.solve.Ridge;
import org.sparkntk.solve.TaskChoice;
import org.sparkntk.spec.UserError;

/**
 * What {@code ntk select} was asked, validated: data, the grid (activation, weight stds, bias stds,
 * kernels, depths, ridges), how to validate and score, and the refit. Passed whole to the job.
 *
 * @param metric       the metric asked, or null for the task's default
 * @param maxRows      rows kept for selection (a stratified subsample beyond), or null to choose from driver memory
 * @param blockSize    rows per block of the kernel pass
 * @param maxDriverBytes the dense matrices and the decomposition's workspace must fit in this
 * @param test         the test set of --refit, or null
 */
public record SelectSpec(String train, List<String> labelCols, String featuresCol, String idCol, Normalize normalize, TaskChoice task,
                         String activation, List<Double> weightStds, List<Double> biasStds, List<String> kernels,
                         List<Integer> depths, List<Double> ridges, Ridge.Scale ridgeScale, Protocol protocol, Metric metric,
                         Integer maxRows, long seed, String output, boolean overwrite, boolean refit, String test,
                         int blockSize, long maxDriverBytes) {

    public SelectSpec {
        if (labelCols == null || labelCols.isEmpty()) {
            throw new UserError("'label-col' is empty; name the label column (or several numeric columns for multi-output regression)");
        }
        if (task == null) {
            throw new IllegalArgumentException("task is null; use TaskChoice.AUTO");
        }
        if (refit && test == null) {
            throw new UserError("'refit' needs --test TEST: the refitted model is scored on it");
        }
        if (!refit && test != null) {
            throw new UserError("'test' is only used with --refit; add --refit or drop --test");
        }
        if (maxRows != null && maxRows < 2) {
            throw new UserError("'max-rows' is " + maxRows + " but must be >= 2");
        }
        if (blockSize < 1 || blockSize > org.sparkntk.options.KernelConfig.MAX_BLOCK_SIZE) {
            throw new UserError("'block-size' is " + blockSize + " but must be > 0 and <= " + org.sparkntk.options.KernelConfig.MAX_BLOCK_SIZE);
        }
        weightStds = List.copyOf(weightStds);
        biasStds = List.copyOf(biasStds);
        kernels = List.copyOf(kernels);
        depths = List.copyOf(depths);
        ridges = List.copyOf(ridges);
        labelCols = List.copyOf(labelCols);
    }

    /** The ridges as an array. */
    public double[] ridgeArray() {
        return ridges.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Number of configurations scored. */
    public int configurations() {
        return weightStds.size() * biasStds.size() * kernels.size() * depths.size() * ridges.size();
    }
}
