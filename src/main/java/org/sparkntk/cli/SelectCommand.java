package org.sparkntk.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.Normalize;
import org.sparkntk.options.SparkOptions;
import org.sparkntk.select.Lists;
import org.sparkntk.select.Metric;
import org.sparkntk.select.Protocol;
import org.sparkntk.select.SelectSpec;
import org.sparkntk.select.spark.SelectJob;
import org.sparkntk.solve.Ridge;
import org.sparkntk.spec.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntk select}: model selection over depths, kernels, ridges and bias/weight stds from one kernel pass. */
@Command(name = "select", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Model selection for NTK/NNGP kernel regression: scores every (weight std, bias std, kernel, depth, ridge)"
                + " by leave-one-out, K-fold, a holdout or a validation set, with one kernel pass per (weight std, bias std) and one"
                + " eigendecomposition per (kernel, depth) for all ridges.",
                "Writes OUT/selection/ (Parquet), OUT/selection.png and OUT/selection.json (last; the best configuration). docs/select.md."})
final class SelectCommand implements Callable<Integer> {

    @Mixin
    TrainingOptions data;

    @Option(names = "--" + KernelConfig.ACTIVATION, defaultValue = KernelConfig.DEFAULT_ACTIVATION, paramLabel = "NAME",
            description = "Activation, as in 'ntk gram' (default ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--weight-stds", defaultValue = KernelConfig.DEFAULT_WEIGHT_STD, paramLabel = "W1,W2,...",
            description = "Weight stds sigma_w > 0, strictly increasing (default ${DEFAULT-VALUE}); one kernel pass each (x bias stds).")
    String weightStds;

    @Option(names = "--bias-stds", defaultValue = KernelConfig.DEFAULT_BIAS_STD, paramLabel = "B1,B2,...",
            description = "Bias stds beta >= 0, strictly increasing (default ${DEFAULT-VALUE}).")
    String biasStds;

    @Option(names = "--" + KernelConfig.KERNELS, defaultValue = KernelConfig.DEFAULT_KERNELS, paramLabel = "ntk,nngp",
            description = "Kernels to compare (default ${DEFAULT-VALUE}).")
    String kernels;

    @Option(names = "--" + KernelConfig.DEPTHS, defaultValue = "1-10", paramLabel = "A-B|L1,L2,...",
            description = "Depths, a range or a strictly increasing list, all from one kernel pass (default ${DEFAULT-VALUE}).")
    String depths;

    @Option(names = "--ridges", defaultValue = "1e-6,1e-5,1e-4,1e-3,1e-2,1e-1,1", paramLabel = "R1,R2,...",
            description = "Ridges >= 0, strictly increasing, all from one factorization (default ${DEFAULT-VALUE}).")
    String ridges;

    @Option(names = "--ridge-scale", defaultValue = "trace", paramLabel = "absolute|trace",
            description = "As in 'ntk regress': trace adds ridge x trace(K)/N of the matrix factored (per fold: of its training"
                    + " rows), absolute adds the ridge itself. Default ${DEFAULT-VALUE}: comparable across depths and kernels.")
    String ridgeScale;

    @Option(names = "--loo", description = "Exact leave-one-out on the training rows (one eigendecomposition per kernel and depth).")
    boolean loo;

    @Option(names = "--folds", paramLabel = "K", description = "K-fold cross-validation, stratified by class (2 <= K <= N).")
    Integer folds;

    @Option(names = "--holdout", paramLabel = "FRACTION", description = "Hold out this fraction (0, 1) of the training rows, stratified.")
    Double holdout;

    @Option(names = "--validation", paramLabel = "VAL", description = "A separate validation Parquet (same columns as --train).")
    String validation;

    @Option(names = "--metric", defaultValue = "auto", paramLabel = "auto|accuracy|rmse|nll",
            description = "auto: accuracy for classification, rmse for regression; nll (regression): Gaussian predictive"
                    + " negative log-likelihood with noise variance lambda (default ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--max-rows", paramLabel = "R",
            description = "Select on a reproducible stratified subsample of R training rows (default: as many as the driver can factor).")
    Integer maxRows;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Seed of folds, holdout and subsample (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--" + KernelConfig.BLOCK_SIZE, defaultValue = "1024", paramLabel = "B",
            description = "Rows per block of the kernel pass (default ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--max-driver-memory", paramLabel = "GB",
            description = "Driver memory for the dense kernel and the eigendecomposition, in GB (default 60%% of the driver heap).")
    Double maxDriverGb;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "Output folder (refused if it exists, unless --overwrite).")
    String output;

    @Option(names = "--overwrite", description = "Replace OUT.")
    boolean overwrite;

    @Option(names = "--refit", description = "Run 'ntk regress' with the best configuration on all of --train and score --test"
            + " (writes OUT/model/, OUT/predictions/, OUT/metrics.json).")
    boolean refit;

    @Option(names = "--test", paramLabel = "TEST", description = "Test Parquet for --refit.")
    String test;

    @Mixin
    SparkOptions spark;

    /** The validated spec (no Spark needed). */
    SelectSpec spec() {
        Protocol protocol = Protocol.of(loo, folds, holdout, validation);
        List<String> labels = data.labels();
        long maxDriver;
        if (maxDriverGb != null) {
            if (!(maxDriverGb > 0)) {
                throw new UserError("'max-driver-memory' is " + maxDriverGb + " but must be > 0 (GB)");
            }
            maxDriver = (long) (maxDriverGb * 1e9);
        } else {
            maxDriver = (long) (0.6 * Runtime.getRuntime().maxMemory());
        }
        return new SelectSpec(data.train, labels, data.featuresCol, data.idCol, Normalize.parse(data.normalize), data.task(),
                activation, Lists.numbers("weight-stds", weightStds, 0, true), Lists.numbers("bias-stds", biasStds, 0, false),
                Lists.kernels(KernelConfig.KERNELS, kernels), Lists.integers(KernelConfig.DEPTHS, depths, 1, NetworkSpec.MAX_DEPTH),
                Lists.numbers("ridges", ridges, 0, false), Ridge.Scale.parse(ridgeScale), protocol, Metric.parse(metric), maxRows, seed,
                output, overwrite, refit, test, blockSize, maxDriver);
    }

    @Override
    public Integer call() throws Exception {
        SelectSpec s = spec();
        try (SparkOptions.Session session = spark.session("spark-ntk select")) {
            SelectJob.run(session.spark(), s);
        }
        return 0;
    }
}
