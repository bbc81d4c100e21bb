package org.sparkntk.options;

import org.sparkntk.kernel.Activations;
import picocli.CommandLine.Option;

/**
 * The kernel options as a picocli mixin ({@code @Mixin KernelOptions kernel;}); names, defaults
 * and validation come from {@link KernelConfig}, so {@code gram}, {@code regress} and job specs agree.
 */
public final class KernelOptions {

    @Option(names = "--" + KernelConfig.ACTIVATION, paramLabel = "NAME",
            description = "Activation: " + Activations.NAMES_TEXT + " (ALPHA optional for leaky_relu and elu; quadrature"
                    + " ones take @DEGREE). Default: " + KernelConfig.DEFAULT_ACTIVATION + ".")
    String activation;

    @Option(names = "--" + KernelConfig.DEPTH, paramLabel = "L",
            description = "Number of weight layers L >= 1. Default: " + KernelConfig.DEFAULT_DEPTH_TEXT + ".")
    Integer depth;

    @Option(names = "--" + KernelConfig.DEPTHS, paramLabel = "L1,L2,...",
            description = "Several depths computed in one pass, e.g. 1,3,5 (instead of --depth).")
    String depths;

    @Option(names = "--" + KernelConfig.WEIGHT_STD, paramLabel = "SIGMA_W",
            description = "Weight std sigma_w > 0. Default: " + KernelConfig.DEFAULT_WEIGHT_STD + ".")
    Double weightStd;

    @Option(names = "--" + KernelConfig.BIAS_STD, paramLabel = "BETA",
            description = "Bias std beta >= 0. Default: " + KernelConfig.DEFAULT_BIAS_STD + ".")
    Double biasStd;

    @Option(names = "--" + KernelConfig.KERNELS, paramLabel = "ntk,nngp",
            description = "Kernels to store. Default: " + KernelConfig.DEFAULT_KERNELS + ".")
    String kernels;

    @Option(names = "--" + KernelConfig.PRECISION, paramLabel = "float64|float32",
            description = "Storage precision of the values. Default: " + KernelConfig.DEFAULT_PRECISION + ".")
    String precision;

    @Option(names = "--" + KernelConfig.COMPUTE, paramLabel = "float64|float32",
            description = "Precision of the Gram product x.x' (the GEMM): float32 is about twice as fast, entries with"
                    + " |cosine| near 1 are recomputed in float64 and the recursion stays float64 (docs/ntk-math.md)."
                    + " Default: " + KernelConfig.DEFAULT_COMPUTE + ".")
    String compute;

    @Option(names = "--" + KernelConfig.BLOCK_SIZE, paramLabel = "B",
            description = "Rows per block (tiles are B x B). Default: picked from d and executor memory.")
    Integer blockSize;

    /** The validated plain form. */
    public KernelConfig toConfig() {
        return KernelConfig.of(activation, depth, depths, weightStd, biasStd, kernels, precision, compute, blockSize);
    }

    /**
     * The storage options the user gave (--kernels, --precision) and --compute, for commands that
     * keep no kernel on disk and must refuse them rather than ignore them.
     */
    public java.util.List<String> storageOptionsGiven() {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (kernels != null) {
            out.add("--" + KernelConfig.KERNELS);
        }
        if (precision != null) {
            out.add("--" + KernelConfig.PRECISION);
        }
        if (compute != null) {
            out.add("--" + KernelConfig.COMPUTE);
        }
        return out;
    }

    /** True when the user gave --block-size. */
    public boolean blockSizeGiven() {
        return blockSize != null;
    }
}
