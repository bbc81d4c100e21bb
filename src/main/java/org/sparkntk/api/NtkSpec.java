package org.sparkntk.api;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;

/**
 * What to compute and from which columns, for {@link NtkKernels} (docs/api.md, "Java kernel API"):
 * the kernel options of {@code ntk gram} (activation, depths, weight and bias std, kernels,
 * precision, block size) and its column options (features column(s), id column, normalize),
 * without the input and output paths. Immutable; built with {@link #builder()}.
 *
 * <p>{@link Builder#build()} validates through {@link KernelConfig#of} and {@link InputConfig#of},
 * the CLI's own checks, so a bad spec throws {@link org.sparkntk.spec.UserError} with exactly the
 * message {@code ntk gram} prints for the same options.
 */
public final class NtkSpec {

    /** Stands for the input in the validation of the column options (the paths come later). */
    private static final String NO_PATH = "<Dataset>";

    private final KernelConfig kernel;
    private final String featuresCol;
    private final String featuresCols;
    private final String idCol;
    private final String normalize;

    private NtkSpec(KernelConfig kernel, String featuresCol, String featuresCols, String idCol, String normalize) {
        this.kernel = kernel;
        this.featuresCol = featuresCol;
        this.featuresCols = featuresCols;
        this.idCol = idCol;
        this.normalize = normalize;
        input(NO_PATH, null); // the column options' checks, now rather than at the first job
    }

    /** A builder with every option unset (the CLI's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** The spec of already validated options (the CLI: its mixins give these). */
    public static NtkSpec of(KernelConfig kernel, InputConfig input) {
        return new NtkSpec(kernel, input.featuresCols() == null ? input.featuresCol() : null,
                input.featuresCols() == null ? null : String.join(",", input.featuresCols()), input.idCol(),
                input.normalize().label());
    }

    /** The kernel options, validated (the object {@code ntk gram} builds from its options). */
    public KernelConfig kernelConfig() {
        return kernel;
    }

    /** The input options with these columns for Parquet input(s) {@code input} ({@code input2}: null for a Gram). */
    public InputConfig input(String input, String input2) {
        return InputConfig.of(input, input2, featuresCol, featuresCols, idCol, normalize);
    }

    /** The columns a job reads: the feature column(s), then the id column if any. */
    List<String> neededColumns() {
        InputConfig c = input(NO_PATH, null);
        List<String> cols = new java.util.ArrayList<>(c.featuresCols() != null ? c.featuresCols() : List.of(c.featuresCol()));
        if (c.idCol() != null && !cols.contains(c.idCol())) {
            cols.add(c.idCol());
        }
        return cols;
    }

    @Override
    public String toString() {
        return "NtkSpec" + kernel.toMap() + " columns " + input(NO_PATH, null);
    }

    /**
     * The options as {@code ntk gram} takes them; an option not set keeps the CLI's default. The
     * names are the option names in camel case ({@code --weight-std} is {@link #weightStd}).
     */
    public static final class Builder {
        private String activation;
        private Integer depth;
        private String depths;
        private Double weightStd;
        private Double biasStd;
        private String kernels;
        private String precision;
        private String compute;
        private Integer blockSize;
        private String featuresCol;
        private String featuresCols;
        private String idCol;
        private String normalize;

        private Builder() {
        }

        /** {@code --activation}: relu, erf, gelu, tanh, ... (default relu). */
        public Builder activation(String name) {
            this.activation = name;
            return this;
        }

        /** {@code --depth}: one depth L &gt;= 1 (default 3). */
        public Builder depth(int l) {
            this.depth = l;
            return this;
        }

        /** {@code --depths}: several depths computed in one pass. */
        public Builder depths(int... ls) {
            this.depths = Arrays.stream(ls).mapToObj(Integer::toString).collect(Collectors.joining(","));
            return this;
        }

        /** {@code --weight-std}: sigma_w &gt; 0 (default 1.0). */
        public Builder weightStd(double sigmaW) {
            this.weightStd = sigmaW;
            return this;
        }

        /** {@code --bias-std}: beta &gt;= 0 (default 0.0). */
        public Builder biasStd(double beta) {
            this.biasStd = beta;
            return this;
        }

        /** {@code --kernels}: "ntk", "nngp" or both (default both). */
        public Builder kernels(String... names) {
            this.kernels = String.join(",", names);
            return this;
        }

        /** {@code --precision}: "float64" (default) or "float32" storage of the values. */
        public Builder precision(String p) {
            this.precision = p;
            return this;
        }

        /** {@code --compute}: "float64" (default) or "float32" Gram products (docs/ntk-math.md, "Float32 compute"). */
        public Builder compute(String c) {
            this.compute = c;
            return this;
        }

        /** {@code --block-size}: rows per block (default: picked from d and memory). */
        public Builder blockSize(int b) {
            this.blockSize = b;
            return this;
        }

        /** {@code --normalize}: "none" (default), "l2" or "standardize". */
        public Builder normalize(String n) {
            this.normalize = n;
            return this;
        }

        /** {@code --features-col}: an array&lt;double&gt;, array&lt;float&gt; or ML Vector column (default "features"). */
        public Builder featuresCol(String col) {
            this.featuresCol = col;
            return this;
        }

        /** {@code --features-cols}: numeric columns forming the vector (instead of featuresCol). */
        public Builder featuresCols(String... cols) {
            this.featuresCols = String.join(",", cols);
            return this;
        }

        /** {@code --id-col}: an integral or string id column (default: the row number). */
        public Builder idCol(String col) {
            this.idCol = col;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws org.sparkntk.spec.UserError with the CLI's message for the same options
         */
        public NtkSpec build() {
            KernelConfig k = KernelConfig.of(activation, depth, depths, weightStd, biasStd, kernels, precision, compute, blockSize);
            return new NtkSpec(k, featuresCol, featuresCols, idCol, normalize);
        }
    }
}
