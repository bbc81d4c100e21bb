package org.sparkntk.cli;

import org.sparkntk.spec.KernelKind;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.KernelOptions;
import org.sparkntk.options.Normalize;
import org.sparkntk.options.SparkOptions;
import org.sparkntk.spec.UserError;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.regress.KernelTiles;
import org.sparkntk.regress.RegressJob;
import org.sparkntk.regress.RegressRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntk regress}: NTK / NNGP kernel ridge regression from a training set to predictions on a test set. */
@Command(name = "regress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Kernel regression with the infinite-width NTK or NNGP: predictions K(test, train) (K + lambda I)^-1 Y.",
                "Writes OUT/predictions/ (Parquet) and OUT/metrics.json (last)."})
final class RegressCommand implements Callable<Integer> {

    @Option(names = "--train", required = true, paramLabel = "TRAIN", description = "Training Parquet (features and labels).")
    String train;

    @Option(names = "--test", required = true, paramLabel = "TEST", description = "Test Parquet (features; labels optional, used for metrics).")
    String test;

    @Option(names = "--label-col", required = true, paramLabel = "COL[,COL...]",
            description = "Label column; several numeric columns give multi-output regression.")
    String labelCol;

    @Option(names = "--" + InputConfig.FEATURES_COL, defaultValue = InputConfig.DEFAULT_FEATURES_COL, paramLabel = "COL",
            description = "Features column: array<double>, array<float> or ML Vector (default ${DEFAULT-VALUE}).")
    String featuresCol;

    @Option(names = "--" + InputConfig.ID_COL, paramLabel = "COL", description = "Id column copied to the predictions (default: row number).")
    String idCol;

    @Option(names = "--" + InputConfig.NORMALIZE, defaultValue = InputConfig.DEFAULT_NORMALIZE, paramLabel = "none|l2",
            description = "Feature normalization of --train and --test, as 'ntk gram --normalize' (l2: each row divided by its"
                    + " norm; recorded with the model, so 'ntk predict' applies it too). Default: ${DEFAULT-VALUE}.")
    String normalize;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "Output folder.")
    String output;

    @Mixin
    KernelOptions kernel;

    @Option(names = "--kernel", defaultValue = RegressRequest.DEFAULT_KERNEL, paramLabel = "ntk|nngp", description = "Kernel to regress with (default ${DEFAULT-VALUE}).")
    String kernelKind;

    @Option(names = "--task", defaultValue = "auto", paramLabel = "auto|classification|regression",
            description = "auto: classification for one integral or string label column, else regression (default ${DEFAULT-VALUE}).")
    String task;

    @Mixin
    SolverOptions solver;

    @Option(names = "--matrix-free", description = "Recompute the tiles from the staged input blocks on every PCG pass instead of caching K.")
    boolean matrixFree;

    @Option(names = "--overwrite", description = "Replace a complete result in OUT.")
    boolean overwrite;

    @Mixin
    SparkOptions spark;

    /** Rows per block when --block-size is not given. */
    static final int DEFAULT_BLOCK_SIZE = RegressRequest.DEFAULT_BLOCK_SIZE;

    @Override
    public Integer call() throws Exception {
        solver.validate();
        List<String> storage = kernel.storageOptionsGiven();
        if (!storage.isEmpty()) {
            throw new UserError("'" + String.join("' and '", storage) + (storage.size() == 1 ? "' does" : "' do")
                    + " not apply to regress: it computes one kernel"
                    + " (choose it with --kernel ntk|nngp), keeps it in float64 and stores no tiles; use 'ntk gram' to store kernels");
        }
        KernelConfig kc = kernel.toConfig();
        if (kc.kernel().depths().size() != 1) {
            throw new UserError("'depths' lists " + kc.kernel().depths() + "; regress uses one depth, give --depth L");
        }
        NetworkSpec spec = kc.kernel().network();
        int blockSize = kernel.blockSizeGiven() ? kc.blockSize() : DEFAULT_BLOCK_SIZE;
        List<String> labels = Arrays.stream(labelCol.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        RegressRequest req = new RegressRequest(train, test, labels, featuresCol, idCol, output, spec,
                KernelKind.parse("kernel", kernelKind), task.trim().toLowerCase(java.util.Locale.ROOT), solver.ridge(),
                solver.solverKind(), solver.tol(), solver.maxIter, solver.preconditionerRank(), matrixFree,
                blockSize, overwrite, solver.checkpointEvery, solver.maxDriverBytes(), Normalize.parse(normalize),
                solver.cachePrecision(), solver.nystrom());
        try (SparkOptions.Session s = spark.session("spark-ntk regress")) {
            RegressJob.run(s.spark(), req);
        }
        return 0;
    }
}
