package org.sparkntk.solve;

import java.util.Locale;
import org.sparkntk.spec.UserError;

/**
 * The ridge lambda of (K + lambda I): {@code absolute}, or {@code trace}-scaled, lambda * trace(K) / N
 * (Neural Tangents' {@code diag_reg_absolute_scale=False} convention), which makes the value
 * comparable across kernels, depths and data scales.
 */
public record Ridge(double value, Scale scale) {

    /** How the user's value is turned into the lambda added to the diagonal. */
    public enum Scale {
        ABSOLUTE, TRACE;

        /** Parses {@code absolute} or {@code trace}. */
        public static Scale parse(String s) {
            return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
                case "absolute" -> ABSOLUTE;
                case "trace" -> TRACE;
                default -> throw new UserError("'ridge-scale' is '" + s + "' but must be absolute or trace");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Ridge {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new UserError("'ridge' is " + value + " but must be >= 0 and finite");
        }
        if (scale == null) {
            throw new UserError("'ridge-scale' is missing; allowed: absolute, trace");
        }
    }

    /** The lambda added to the diagonal for a kernel of this trace and size. */
    public double lambda(double trace, long n) {
        return scale == Scale.ABSOLUTE ? value : value * trace / Math.max(n, 1);
    }
}
