package org.sparkntk.select;

import java.util.Locale;
import org.sparkntk.spec.UserError;

/**
 * What a validation fold is scored by (docs/select.md, "Metrics"): accuracy of the argmax
 * (classification, higher is better), root mean squared error over all rows and outputs, or the
 * Gaussian predictive negative log-likelihood per entry with the ridge as the noise variance
 * (regression, lower is better).
 */
public enum Metric {
    ACCURACY, RMSE, NLL;

    /** 'accuracy', 'rmse' or 'nll'. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when a larger score is better. */
    public boolean higherIsBetter() {
        return this == ACCURACY;
    }

    /** Parses a metric name; null or 'auto' gives null (the task's default). */
    public static Metric parse(String s) {
        String t = s == null ? "auto" : s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "auto" -> null;
            case "accuracy" -> ACCURACY;
            case "rmse" -> RMSE;
            case "nll" -> NLL;
            default -> throw new UserError("'metric' is '" + s + "' but must be accuracy, rmse or nll");
        };
    }

    /** The metric for a task: the given one checked against it, or the default (accuracy / rmse). */
    public static Metric forTask(Metric asked, boolean classification) {
        if (asked == null) {
            return classification ? ACCURACY : RMSE;
        }
        if (classification && asked != ACCURACY) {
            throw new UserError("'metric' is " + asked.label() + " but the task is classification; use --metric accuracy"
                    + (asked == NLL ? " (nll is a Gaussian likelihood of real-valued targets: it is defined for regression only)"
                    : " (rmse of one-hot scores is not a classification metric here)"));
        }
        if (!classification && asked == ACCURACY) {
            throw new UserError("'metric' is accuracy but the task is regression; use --metric rmse or nll");
        }
        return asked;
    }
}
