package org.sparkntk.cli;

import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.options.UserError;
import picocli.CommandLine.Option;

/** The network options of {@code regress} (same names as {@code gram}'s). */
public final class RegressKernelOptions {

    @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME", description = "Activation (default ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--depth", defaultValue = "3", paramLabel = "L", description = "Weight layers L >= 1 (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--weight-std", defaultValue = "1.0", paramLabel = "SIGMA_W", description = "Weight std (default ${DEFAULT-VALUE}).")
    double weightStd;

    @Option(names = "--bias-std", defaultValue = "0.0", paramLabel = "BETA", description = "Bias std (default ${DEFAULT-VALUE}).")
    double biasStd;

    @Option(names = "--block-size", defaultValue = "1024", paramLabel = "B", description = "Rows per block (default ${DEFAULT-VALUE}).")
    int blockSize;

    NetworkSpec spec() {
        try {
            return new NetworkSpec(depth, Activations.parse(activation), weightStd, biasStd);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    int blockSize() {
        if (blockSize < 1 || blockSize > 46_340) {
            throw new UserError("'block-size' is " + blockSize + " but must be in 1..46340");
        }
        return blockSize;
    }
}
