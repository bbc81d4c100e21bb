package org.sparkntk.options;

import picocli.CommandLine.Option;

/** The input options as a picocli mixin; names, defaults and checks from {@link InputConfig}. */
public final class InputOptions {

    @Option(names = "--" + InputConfig.INPUT, required = true, paramLabel = "PATH",
            description = "Parquet file or directory (file:, hdfs:, s3a: ...).")
    String input;

    @Option(names = "--" + InputConfig.INPUT2, paramLabel = "PATH",
            description = "Second Parquet input for a cross kernel (rows of --input x rows of --input2).")
    String input2;

    @Option(names = "--" + InputConfig.FEATURES_COL, paramLabel = "COL",
            description = "Feature column: array<double>, array<float> or Spark ML Vector. Default: " + InputConfig.DEFAULT_FEATURES_COL + ".")
    String featuresCol;

    @Option(names = "--" + InputConfig.FEATURES_COLS, paramLabel = "C1,C2,...",
            description = "Numeric columns forming the feature vector (instead of --features-col).")
    String featuresCols;

    @Option(names = "--" + InputConfig.ID_COL, paramLabel = "COL",
            description = "Integral or string id column (unique, non-null). Default: the row number in input order.")
    String idCol;

    @Option(names = "--" + InputConfig.NORMALIZE, paramLabel = "none|l2|standardize",
            description = "Feature normalization. Default: " + InputConfig.DEFAULT_NORMALIZE + ".")
    String normalize;

    /** The validated plain form. */
    public InputConfig toConfig() {
        return InputConfig.of(input, input2, featuresCol, featuresCols, idCol, normalize);
    }
}
