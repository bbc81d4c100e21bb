package org.sparkntk.options;

import org.sparkntk.spec.UserError;
import java.util.List;
import java.util.Locale;
import org.sparkntk.kernel.Suggest;

/** Per-row feature normalization applied before the kernel (docs/design.md, "Normalization"). */
public enum Normalize {
    /** Features as given. */
    NONE,
    /** Each row divided by its Euclidean norm (an all-zero row stays zero). */
    L2,
    /**
     * Each column centred by its mean and divided by its population std over the input (IN for a
     * cross kernel, whose statistics are applied to IN2 too); zero-variance columns become 0.
     */
    STANDARDIZE;

    /** The user-facing name. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses none|l2|standardize. */
    public static Normalize parse(String s) {
        String t = s == null ? "none" : s.trim().toLowerCase(Locale.ROOT);
        for (Normalize n : values()) {
            if (n.label().equals(t)) {
                return n;
            }
        }
        throw new UserError("'normalize' is '" + s + "' but must be none, l2 or standardize"
                + Suggest.didYouMean(t, List.of("none", "l2", "standardize")));
    }
}
