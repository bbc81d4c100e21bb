package org.sparkntk.select;

import org.sparkntk.spec.UserError;

/**
 * How configurations are validated: exact leave-one-out, K-fold cross-validation, one held-out
 * fraction of the training rows, or a separate validation set (rows appended after the training rows).
 */
public record Protocol(Kind kind, int folds, double fraction, String validation) {

    /** The four protocols. */
    public enum Kind { LOO, KFOLD, HOLDOUT, VALIDATION }

    /**
     * From the command's options: exactly one of --loo, --folds, --holdout, --validation.
     *
     * @throws UserError when none or several are given, or a value is out of range
     */
    public static Protocol of(boolean loo, Integer folds, Double holdout, String validation) {
        int given = (loo ? 1 : 0) + (folds != null ? 1 : 0) + (holdout != null ? 1 : 0) + (validation != null ? 1 : 0);
        if (given != 1) {
            StringBuilder sb = new StringBuilder();
            if (loo) {
                sb.append("--loo ");
            }
            if (folds != null) {
                sb.append("--folds ");
            }
            if (holdout != null) {
                sb.append("--holdout ");
            }
            if (validation != null) {
                sb.append("--validation ");
            }
            throw new UserError(given == 0 ? "choose how to validate: one of --loo, --folds K, --holdout FRACTION, --validation VAL"
                    : "give one of --loo, --folds, --holdout, --validation, not several (got " + sb.toString().trim().replace(" ", ", ") + ")");
        }
        if (folds != null && folds < 2) {
            throw new UserError("'folds' is " + folds + " but must be >= 2 (and <= the number of training rows)");
        }
        if (holdout != null && !(holdout > 0 && holdout < 1)) {
            throw new UserError("'holdout' is " + holdout + " but must be in (0, 1), the fraction of training rows held out");
        }
        if (validation != null && validation.isBlank()) {
            throw new UserError("'validation' is empty; give a Parquet file or directory");
        }
        if (loo) {
            return new Protocol(Kind.LOO, 0, 0, null);
        }
        if (folds != null) {
            return new Protocol(Kind.KFOLD, folds, 0, null);
        }
        if (holdout != null) {
            return new Protocol(Kind.HOLDOUT, 1, holdout, null);
        }
        return new Protocol(Kind.VALIDATION, 1, 0, validation);
    }

    /** Checks the protocol against the number of training rows (folds <= N; a holdout leaves rows on both sides). */
    public void checkRows(int n) {
        if (kind == Kind.KFOLD && folds > n) {
            throw new UserError("'folds' is " + folds + " but must be <= " + n + ", the number of training rows");
        }
        if ((kind == Kind.LOO || kind == Kind.HOLDOUT || kind == Kind.KFOLD) && n < 2) {
            throw new UserError("--train has " + n + " row; validation needs at least 2");
        }
    }

    /** The name in selection.json: 'loo', 'kfold', 'holdout' or 'validation'. */
    public String label() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
