package org.sparkntk.cli;

import java.util.concurrent.Callable;
import org.sparkntk.regress.PredictJob;
import org.sparkntk.options.SparkOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntk predict}: apply a model made by {@code solve} (or OUT/model of {@code regress}) to a test set. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predictions of a saved kernel regression model on a test set.",
                "Writes OUT/predictions/ (Parquet) and OUT/metrics.json (last)."})
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model folder (ntk solve --output, or OUT/model of ntk regress).")
    String model;

    @Option(names = "--test", required = true, paramLabel = "TEST", description = "Test Parquet (features; labels optional, used for metrics).")
    String test;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "Output folder.")
    String output;

    @Option(names = "--overwrite", description = "Replace a complete result in OUT.")
    boolean overwrite;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        try (SparkOptions.Session s = spark.session("spark-ntk predict")) {
            PredictJob.run(s.spark(), model, test, output, overwrite);
        }
        return 0;
    }
}
