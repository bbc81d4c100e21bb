package org.sparkntk.spec;

import java.util.Locale;
import org.sparkntk.kernel.Suggest;
import org.sparkntk.spec.UserError;

/** Storage precision of tile values (compute is always float64). */
public enum Precision {
    /** values ARRAY&lt;DOUBLE&gt;. */
    FLOAT64,
    /** values ARRAY&lt;FLOAT&gt;: half the bytes, about 7 significant digits. */
    FLOAT32;

    /** The user-facing name, e.g. {@code float32}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code float64} or {@code float32} (also {@code double}/{@code float}). */
    public static Precision parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "float64", "double", "f64" -> FLOAT64;
            case "float32", "float", "f32" -> FLOAT32;
            default -> throw new UserError("'precision' is '" + s + "' but must be float64 or float32"
                    + Suggest.didYouMean(t, java.util.List.of("float64", "float32")));
        };
    }
}
