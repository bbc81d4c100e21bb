package org.sparkntk.solve;

import java.util.Locale;
import org.sparkntk.spec.UserError;

/** The task a user asks for ({@code --task}): one of the two of {@link Targets.Task}, or auto (decided from the label types). */
public enum TaskChoice {
    AUTO, CLASSIFICATION, REGRESSION;

    /** Parses {@code auto}, {@code classification} or {@code regression} (any case); null means auto. */
    public static TaskChoice parse(String s) {
        String t = s == null ? "auto" : s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "auto" -> AUTO;
            case "classification" -> CLASSIFICATION;
            case "regression" -> REGRESSION;
            default -> throw new UserError("'task' is '" + s + "' but must be auto, classification or regression");
        };
    }

    /** The option value, e.g. {@code classification}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
