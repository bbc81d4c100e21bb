package org.sparkntk.kernel;

import java.util.List;
import java.util.Locale;

/**
 * Parses activation names as users write them on the command line and in job specs.
 *
 * <p>Closed forms: {@code relu}, {@code leaky_relu:ALPHA} (default 0.01), {@code abrelu:A,B},
 * {@code abs}, {@code erf}, {@code gelu}, {@code sin}, {@code cos}, {@code identity}.
 * Quadrature: {@code tanh}, {@code sigmoid}, {@code softplus}, {@code silu} (alias {@code swish}),
 * {@code elu[:ALPHA]} (default 1), by default with the adaptive rule of {@link Quadrature}
 * (~1e-10 relative); {@code NAME@DEGREE} selects the fixed DEGREE x DEGREE Gauss-Hermite rule
 * (Neural Tangents' {@code degree}, less accurate) to reproduce results computed with it.
 */
public final class Activations {

    /**
     * The activations {@link #parse} accepts, the one list for messages, did-you-mean and --help
     * (a constant so that picocli's annotations can use it).
     */
    public static final String NAMES_TEXT = "relu, leaky_relu:ALPHA, abrelu:A,B, abs, erf, gelu, sin, cos, identity, "
            + "tanh, sigmoid, softplus, silu, elu:ALPHA";

    /** {@link #NAMES_TEXT} as a list. */
    public static final List<String> NAMES = List.of(NAMES_TEXT.split(", "));

    /** The base names (before ':'), for did-you-mean. */
    static final List<String> BASES = NAMES.stream().map(n -> n.contains(":") ? n.substring(0, n.indexOf(':')) : n).toList();

    private Activations() {
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Parses e.g. {@code relu}, {@code leaky_relu:0.1}, {@code tanh@40}; throws with the allowed names. */
    public static Activation parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("'activation' is empty; allowed: " + String.join(", ", NAMES));
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        int degree = Quadrature.ADAPTIVE;
        int at = s.indexOf('@');
        if (at >= 0) {
            degree = parseInt(s.substring(at + 1), text);
            GaussHermite.checkDegree(degree); // an explicit degree is a fixed Gauss-Hermite rule
            s = s.substring(0, at);
        }
        String base = s;
        String arg = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            base = s.substring(0, colon);
            arg = s.substring(colon + 1);
        }
        boolean closed = true;
        Activation a;
        switch (base) {
            case "relu" -> a = AbRelu.relu();
            case "leaky_relu", "leakyrelu" -> a = AbRelu.leaky(arg == null ? 0.01 : parseDouble(arg, text));
            case "abrelu" -> {
                String[] ab = arg == null ? new String[0] : arg.split(",");
                if (ab.length != 2) {
                    throw new IllegalArgumentException("activation '" + text + "': abrelu needs two slopes, e.g. abrelu:-0.5,1");
                }
                a = AbRelu.general(parseDouble(ab[0], text), parseDouble(ab[1], text));
            }
            case "abs" -> a = AbRelu.abs();
            case "erf" -> a = new Erf();
            case "gelu" -> a = new Gelu();
            case "sin", "sine" -> a = new Trig(true);
            case "cos", "cosine" -> a = new Trig(false);
            case "identity", "linear" -> a = new Identity();
            default -> {
                closed = false;
                a = smooth(base, arg, degree, text);
            }
        }
        if (closed && (at >= 0)) {
            throw new IllegalArgumentException("activation '" + text + "' has a closed form; '@DEGREE' applies only to quadrature activations (tanh, sigmoid, softplus, silu, elu)");
        }
        if (closed && arg != null && !(base.startsWith("leaky") || base.equals("abrelu"))) {
            throw new IllegalArgumentException("activation '" + text + "' takes no parameter");
        }
        return a;
    }

    private static Activation smooth(String base, String arg, int degree, String text) {
        switch (base) {
            case "tanh":
                noArg(arg, text);
                return new Quadrature(withDegree("tanh", degree), Math::tanh, z -> {
                    double t = Math.tanh(z);
                    return 1 - t * t;
                }, degree, true, true);
            case "sigmoid":
                noArg(arg, text);
                return new Quadrature(withDegree("sigmoid", degree), Activations::sigmoid, z -> {
                    double s = sigmoid(z);
                    return s * (1 - s);
                }, degree, true, true);
            case "softplus":
                noArg(arg, text);
                return new Quadrature(withDegree("softplus", degree),
                        z -> Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), Activations::sigmoid, degree, true, true);
            case "silu", "swish":
                noArg(arg, text);
                return new Quadrature(withDegree("silu", degree), z -> z * sigmoid(z), z -> {
                    double s = sigmoid(z);
                    return s * (1 + z * (1 - s));
                }, degree, true, true);
            case "elu": {
                double alpha = arg == null ? 1.0 : parseDouble(arg, text);
                if (!(alpha >= 0) || Double.isInfinite(alpha)) {
                    throw new IllegalArgumentException("activation '" + text + "': elu alpha is " + arg + " but must be >= 0 and finite");
                }
                String nm = (arg == null ? "elu" : "elu:" + fmt(alpha));
                return new Quadrature(withDegree(nm, degree), z -> z > 0 ? z : alpha * Math.expm1(z),
                        z -> z > 0 ? 1.0 : alpha * Math.exp(z), degree, false, true);
            }
            default:
                throw new IllegalArgumentException("unknown activation '" + text + "'"
                        + Suggest.didYouMean(base, BASES)
                        + "; allowed: " + String.join(", ", NAMES));
        }
    }

    private static String withDegree(String name, int degree) {
        return degree == Quadrature.ADAPTIVE ? name : name + "@" + degree;
    }

    static double sigmoid(double z) {
        if (z >= 0) {
            return 1 / (1 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1 + e);
    }

    private static void noArg(String arg, String text) {
        if (arg != null) {
            throw new IllegalArgumentException("activation '" + text + "' takes no parameter");
        }
    }

    private static double parseDouble(String s, String text) {
        try {
            double v = Double.parseDouble(s.trim());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("activation '" + text + "': '" + s + "' is not a finite number");
        }
    }

    private static int parseInt(String s, String text) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("activation '" + text + "': quadrature degree '" + s + "' is not an integer");
        }
    }
}
