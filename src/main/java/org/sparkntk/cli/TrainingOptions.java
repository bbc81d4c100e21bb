package org.sparkntk.cli;

import java.util.Arrays;
import java.util.List;
import org.sparkntk.options.InputConfig;
import org.sparkntk.solve.TaskChoice;
import picocli.CommandLine.Option;

/** The training set options that {@code regress} and {@code select} share: where it is, its columns, how it is normalized, the task. */
final class TrainingOptions {

    @Option(names = "--train", required = true, paramLabel = "TRAIN", description = "Training Parquet (features and labels).")
    String train;

    @Option(names = "--label-col", required = true, paramLabel = "COL[,COL...]",
            description = "Label column; several numeric columns give multi-output regression.")
    String labelCol;

    @Option(names = "--" + InputConfig.FEATURES_COL, defaultValue = InputConfig.DEFAULT_FEATURES_COL, paramLabel = "COL",
            description = "Features column: array<double>, array<float> or ML Vector (default ${DEFAULT-VALUE}).")
    String featuresCol;

    @Option(names = "--" + InputConfig.ID_COL, paramLabel = "COL", description = "Id column copied to the outputs (default: the row number).")
    String idCol;

    @Option(names = "--" + InputConfig.NORMALIZE, defaultValue = InputConfig.DEFAULT_NORMALIZE, paramLabel = "none|l2|standardize",
            description = "Feature normalization, as 'ntk gram --normalize' (l2: each row divided by its norm; standardize: --train's"
                    + " column statistics, applied to the other sets too). Recorded with the model, so 'ntk predict' applies it."
                    + " Default: ${DEFAULT-VALUE}.")
    String normalize;

    @Option(names = "--task", defaultValue = "auto", paramLabel = "auto|classification|regression",
            description = "auto: classification for one integral or string label column, else regression (default ${DEFAULT-VALUE}).")
    String task;

    /** The label columns named by --label-col, in order. */
    List<String> labels() {
        return Arrays.stream(labelCol.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** --task, parsed. */
    TaskChoice task() {
        return TaskChoice.parse(task);
    }
}
