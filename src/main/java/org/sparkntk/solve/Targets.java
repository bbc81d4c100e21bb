package org.sparkntk.solve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.sparkntk.spec.UserError;

/**
 * Turns labels into the right-hand sides Y (row-major N x k) and predictions back into labels.
 *
 * <p>Classification: the classes are the distinct labels in sorted order (numbers numerically,
 * strings lexicographically); class j of C gets the centred one-hot row 1 - 1/C in column j and
 * -1/C elsewhere (each row sums to 0). Why centred: the infinite-width network's output has
 * prior mean 0, and zero-mean targets are the encoding of Lee et al. (2020). Kernel regression
 * is linear in Y and the shift is the same for every class, so argmax, and thus accuracy, is the
 * same as with plain 0/1 one-hot; scores are plain one-hot scores minus 1/C.
 *
 * <p>Regression: one column per numeric label column, used as is (no centring or scaling).
 */
public final class Targets {

    /** What the label column means. */
    public enum Task {
        CLASSIFICATION, REGRESSION;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Task task;
    private final List<Object> classes;
    private final List<String> outputs;

    private Targets(Task task, List<Object> classes, List<String> outputs) {
        this.task = task;
        this.classes = classes;
        this.outputs = outputs;
    }

    /** Classification over the given labels (Long, Integer or String); refuses nulls and a single class. */
    public static Targets classification(List<?> labels, String column) {
        TreeSet<Object> set = new TreeSet<>(Targets::compareLabels);
        for (int i = 0; i < labels.size(); i++) {
            Object l = labels.get(i);
            if (l == null) {
                throw new UserError("label column '" + column + "' is null in training row " + i + "; every training row needs a label");
            }
            set.add(normalize(l, column, i));
        }
        if (set.size() < 2) {
            throw new UserError("label column '" + column + "' has a single class (" + (set.isEmpty() ? "none" : set.first())
                    + "); classification needs at least 2 classes");
        }
        return new Targets(Task.CLASSIFICATION, new ArrayList<>(set), List.of());
    }

    /** Classification over known classes (a saved model). */
    public static Targets ofClasses(List<?> classes) {
        return new Targets(Task.CLASSIFICATION, new ArrayList<>(classes), List.of());
    }

    /** Regression on the named numeric columns. */
    public static Targets regression(List<String> columns) {
        return new Targets(Task.REGRESSION, List.of(), List.copyOf(columns));
    }

    /** Integral labels become Long, strings stay strings; anything else is refused. */
    public static Object normalize(Object l, String column, long row) {
        if (l instanceof Long || l instanceof String) {
            return l;
        }
        if (l instanceof Integer || l instanceof Short || l instanceof Byte) {
            return ((Number) l).longValue();
        }
        throw new UserError("label column '" + column + "' holds " + l.getClass().getSimpleName() + " (row " + row
                + "); classification needs integral or string labels (use --task regression for numbers)");
    }

    private static int compareLabels(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        return a.toString().compareTo(b.toString());
    }

    public Task task() {
        return task;
    }

    /** Sorted classes (classification). */
    public List<Object> classes() {
        return classes;
    }

    /** Number of output columns k. */
    public int width() {
        return task == Task.CLASSIFICATION ? classes.size() : outputs.size();
    }

    /** Index of a label among the classes, or -1 for an unseen label. */
    public int classIndex(Object label) {
        int i = java.util.Collections.binarySearch(classes, label, Targets::compareLabels);
        return i >= 0 ? i : -1;
    }

    /** Centred one-hot matrix (N x C) for classification labels. */
    public double[] encode(List<?> labels, String column) {
        int c = classes.size();
        double[] y = new double[labels.size() * c];
        double off = -1.0 / c;
        Arrays.fill(y, off);
        for (int i = 0; i < labels.size(); i++) {
            int j = classIndex(normalize(labels.get(i), column, i));
            if (j < 0) {
                throw new IllegalStateException("label " + labels.get(i) + " not among the classes");
            }
            y[i * c + j] = 1.0 + off;
        }
        return y;
    }

    /** Index of the largest score in row i (first on ties). */
    public static int argmax(double[] scores, int i, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (scores[i * k + c] > scores[i * k + best]) {
                best = c;
            }
        }
        return best;
    }
}
