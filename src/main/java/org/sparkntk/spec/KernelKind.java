package org.sparkntk.spec;

import java.util.Locale;

/** Which kernel a tile holds: the NTK Theta or the NNGP Sigma (ntk-math.md, "The recursion"). */
public enum KernelKind {
    NTK,
    NNGP;

    /** The name stored in the {@code kernel} column: {@code ntk} or {@code nngp}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code ntk} or {@code nngp} given as option {@code option}; a {@link UserError} otherwise. */
    public static KernelKind parse(String option, String s) {
        KernelKind k = fromLabel(s);
        if (k == null) {
            throw new UserError("'" + option + "' is '" + s + "' but must be ntk or nngp");
        }
        return k;
    }

    /** Parses {@code ntk} or {@code nngp}; null when neither. */
    public static KernelKind fromLabel(String s) {
        if (s == null) {
            return null;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "ntk" -> NTK;
            case "nngp" -> NNGP;
            default -> null;
        };
    }
}
