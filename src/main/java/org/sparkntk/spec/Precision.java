package org.sparkntk.spec;

import java.util.Locale;
import org.sparkntk.kernel.Suggest;
import org.sparkntk.spec.UserError;

/**
 * A floating-point precision: the storage precision of tile values ({@code --precision}) and the
 * compute precision of the Gram product ({@code --compute}), two separate choices.
 */
public enum Precision {
    /** values ARRAY&lt;DOUBLE&gt;. */
    FLOAT64,
    /** values ARRAY&lt;FLOAT&gt;: half the bytes, about 7 significant digits. */
    FLOAT32;

    /** The user-facing name, e.g. {@code float32}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code float64} or {@code float32} (also {@code double}/{@code float}) given as 'precision'. */
    public static Precision parse(String s) {
        return parse(s, "precision");
    }

    /** As {@link #parse(String)}; a bad value is a {@link UserError} naming {@code option}. */
    public static Precision parse(String s, String option) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "float64", "double", "f64" -> FLOAT64;
            case "float32", "float", "f32" -> FLOAT32;
            default -> throw new UserError("'" + option + "' is '" + s + "' but must be float64 or float32"
                    + Suggest.didYouMean(t, java.util.List.of("float64", "float32")));
        };
    }
}
