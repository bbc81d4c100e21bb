package org.sparkntk.options;

import org.sparkntk.spec.UserError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.Precision;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.kernel.Suggest;

/**
 * The kernel options in their plain form, validated: what to compute and store ({@link KernelSpec},
 * passed whole from here to the tile tasks, the manifest and models) and the block size. The one
 * definition of these options' names, defaults and checks: the CLI ({@link KernelOptions}), job
 * specs ({@link #fromMap}) and docs use it.
 *
 * @param kernel    the network at the deepest depth, every depth, which kernels, storage and compute precision
 * @param blockSize rows per block, or 0 to pick it from d and executor memory
 */
public record KernelConfig(KernelSpec kernel, int blockSize) {

    public static final String ACTIVATION = "activation";
    public static final String DEPTH = "depth";
    public static final String DEPTHS = "depths";
    public static final String WEIGHT_STD = "weight-std";
    public static final String BIAS_STD = "bias-std";
    public static final String KERNELS = "kernels";
    public static final String PRECISION = "precision";
    public static final String COMPUTE = "compute";
    public static final String BLOCK_SIZE = "block-size";

    public static final String DEFAULT_ACTIVATION = "relu";
    public static final int DEFAULT_DEPTH = 3;
    public static final String DEFAULT_DEPTH_TEXT = "3";
    public static final String DEFAULT_WEIGHT_STD = "1.0";
    public static final String DEFAULT_BIAS_STD = "0.0";
    public static final String DEFAULT_KERNELS = "ntk,nngp";
    public static final String DEFAULT_PRECISION = "float64";
    public static final String DEFAULT_COMPUTE = "float64";

    /** Largest block size: a tile's B*B float64 values must fit one Parquet page (&lt; 2 GiB). */
    public static final int MAX_BLOCK_SIZE = 16_000;

    /** Every key accepted by {@link #fromMap}, in documentation order. */
    public static final List<String> KEYS = List.of(ACTIVATION, DEPTH, DEPTHS, WEIGHT_STD, BIAS_STD, KERNELS, PRECISION, COMPUTE, BLOCK_SIZE);

    /** Same computation with another block size. */
    public KernelConfig withBlockSize(int b) {
        return new KernelConfig(kernel, b);
    }

    /**
     * Validates and builds the config; every argument as the user wrote it, null for "not given".
     *
     * @throws UserError naming the option and what is allowed
     */
    public static KernelConfig of(String activation, Integer depth, String depths, Double weightStd, Double biasStd,
                                  String kernels, String precision, Integer blockSize) {
        return of(activation, depth, depths, weightStd, biasStd, kernels, precision, null, blockSize);
    }

    /**
     * As {@link #of(String, Integer, String, Double, Double, String, String, Integer)} with the
     * compute precision of the Gram product ({@code float64} when null).
     *
     * @throws UserError naming the option and what is allowed
     */
    public static KernelConfig of(String activation, Integer depth, String depths, Double weightStd, Double biasStd,
                                  String kernels, String precision, String compute, Integer blockSize) {
        if (depth != null && depths != null) {
            throw new UserError("give either '" + DEPTH + "' or '" + DEPTHS + "', not both");
        }
        List<Integer> ds = depths != null ? parseDepths(depths) : List.of(depth != null ? depth : DEFAULT_DEPTH);
        int max = ds.get(ds.size() - 1);
        if (depth != null && (depth < 1 || depth > NetworkSpec.MAX_DEPTH)) {
            throw new UserError("'" + DEPTH + "' is " + depth + " but must be in 1.." + NetworkSpec.MAX_DEPTH);
        }
        NetworkSpec spec;
        try {
            spec = new NetworkSpec(max, Activations.parse(activation == null ? DEFAULT_ACTIVATION : activation),
                    weightStd == null ? Double.parseDouble(DEFAULT_WEIGHT_STD) : weightStd,
                    biasStd == null ? Double.parseDouble(DEFAULT_BIAS_STD) : biasStd);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        List<KernelKind> ks = parseKernels(kernels == null ? DEFAULT_KERNELS : kernels);
        Precision p = Precision.parse(precision == null ? DEFAULT_PRECISION : precision, PRECISION);
        Precision c = Precision.parse(compute == null ? DEFAULT_COMPUTE : compute, COMPUTE);
        int b = blockSize == null ? 0 : blockSize;
        if (blockSize != null && (b < 1 || b > MAX_BLOCK_SIZE)) {
            throw new UserError("'" + BLOCK_SIZE + "' is " + b + " but must be > 0"
                    + (b > MAX_BLOCK_SIZE ? " and <= " + MAX_BLOCK_SIZE : ""));
        }
        return new KernelConfig(new KernelSpec(spec, ds, ks, p, c), b);
    }

    /**
     * Builds the config from a map with the option names as keys (job specs: {@code depth: 3});
     * unknown keys are rejected with the closest name.
     */
    public static KernelConfig fromMap(Map<String, ?> m) {
        for (String k : m.keySet()) {
            if (!KEYS.contains(k)) {
                throw new UserError("unknown option '" + k + "'" + Suggest.didYouMean(k, KEYS));
            }
        }
        return of(str(m.get(ACTIVATION)), integer(m, DEPTH), str(m.get(DEPTHS)), dbl(m, WEIGHT_STD), dbl(m, BIAS_STD),
                str(m.get(KERNELS)), str(m.get(PRECISION)), str(m.get(COMPUTE)), integer(m, BLOCK_SIZE));
    }

    /** The map form (inverse of {@link #fromMap}; block size omitted when automatic). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(ACTIVATION, kernel.network().activation().name());
        m.put(DEPTHS, kernel.depths());
        m.put(WEIGHT_STD, kernel.network().weightStd());
        m.put(BIAS_STD, kernel.network().biasStd());
        m.put(KERNELS, kernel.kernelLabels());
        m.put(PRECISION, kernel.precision().label());
        if (kernel.compute() != Precision.FLOAT64) {
            m.put(COMPUTE, kernel.compute().label()); // omitted at the default, so older specs read the same
        }
        if (blockSize > 0) {
            m.put(BLOCK_SIZE, blockSize);
        }
        return m;
    }

    static List<Integer> parseDepths(String text) {
        TreeSet<Integer> out = new TreeSet<>();
        String s = text.replace("[", "").replace("]", "");
        for (String part : s.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) {
                continue;
            }
            int v;
            try {
                v = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw new UserError("'" + DEPTHS + "' has '" + t + "' but must be a comma-separated list of integers in 1.." + NetworkSpec.MAX_DEPTH);
            }
            if (v < 1 || v > NetworkSpec.MAX_DEPTH) {
                throw new UserError("'" + DEPTHS + "' has " + v + " but each depth must be in 1.." + NetworkSpec.MAX_DEPTH);
            }
            out.add(v);
        }
        if (out.isEmpty()) {
            throw new UserError("'" + DEPTHS + "' is empty; give e.g. 1,3,5");
        }
        return Collections.unmodifiableList(new ArrayList<>(out));
    }

    static List<KernelKind> parseKernels(String text) {
        boolean ntk = false;
        boolean nngp = false;
        String s = text.replace("[", "").replace("]", "");
        for (String part : s.split(",")) {
            String t = part.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) {
                continue;
            }
            KernelKind k = KernelKind.fromLabel(t);
            if (k == null) {
                throw new UserError("'" + KERNELS + "' has '" + t + "' but allowed are ntk, nngp"
                        + Suggest.didYouMean(t, List.of("ntk", "nngp")));
            }
            ntk |= k == KernelKind.NTK;
            nngp |= k == KernelKind.NNGP;
        }
        if (!ntk && !nngp) {
            throw new UserError("'" + KERNELS + "' is empty; allowed are ntk, nngp");
        }
        List<KernelKind> out = new ArrayList<>();
        if (ntk) {
            out.add(KernelKind.NTK);
        }
        if (nngp) {
            out.add(KernelKind.NNGP);
        }
        return out;
    }

    private static String str(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder();
            for (Object e : l) {
                sb.append(sb.length() == 0 ? "" : ",").append(e);
            }
            return sb.toString();
        }
        return o.toString();
    }

    private static Integer integer(Map<String, ?> m, String key) {
        Object o = m.get(key);
        if (o == null) {
            return null;
        }
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(o.toString().trim());
        } catch (NumberFormatException e) {
            throw new UserError("'" + key + "' is '" + o + "' but must be an integer");
        }
    }

    private static Double dbl(Map<String, ?> m, String key) {
        Object o = m.get(key);
        if (o == null) {
            return null;
        }
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(o.toString().trim());
        } catch (NumberFormatException e) {
            throw new UserError("'" + key + "' is '" + o + "' but must be a number");
        }
    }
}
