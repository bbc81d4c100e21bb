package org.sparkntk.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkntk.spec.UserError;

/** The select options' parsing and the metric/task rules, without Spark; exact messages. */
class SelectOptionsTest {

    static void refused(String message, Runnable r) {
        assertEquals(message, assertThrows(UserError.class, r::run).getMessage());
    }

    @Test
    void listsAndRanges() {
        assertEquals(List.of(1, 2, 3, 5), Lists.integers("depths", "1-3,5", 1, 10));
        assertEquals(List.of(0.0, 0.1), Lists.numbers("bias-stds", "0,0.1", 0, false));
        assertEquals(List.of("nngp", "ntk"), Lists.kernels("kernels", "nngp, ntk"));
        refused("'depths' has the range '3-1' but a range must be A-B with A <= B", () -> Lists.integers("depths", "3-1", 1, 10));
        refused("'depths' is '1-3,3' but must be strictly increasing (sorted, no duplicates)", () -> Lists.integers("depths", "1-3,3", 1, 10));
        refused("'depths' has 11 but each value must be in 1..10", () -> Lists.integers("depths", "11", 1, 10));
        refused("'weight-stds' has 0 but each value must be > 0 and finite", () -> Lists.numbers("weight-stds", "0", 0, true));
        refused("'ridges' is empty; give a comma-separated list of numbers", () -> Lists.numbers("ridges", " ", 0, false));
        refused("'kernels' has 'rbf' but allowed are ntk, nngp", () -> Lists.kernels("kernels", "ntk,rbf"));
    }

    @Test
    void metricMustFitTheTask() {
        assertEquals(Metric.ACCURACY, Metric.forTask(null, true));
        assertEquals(Metric.RMSE, Metric.forTask(null, false));
        assertEquals(Metric.NLL, Metric.forTask(Metric.NLL, false));
        refused("'metric' is rmse but the task is classification; use --metric accuracy (rmse of one-hot scores is not a"
                + " classification metric here)", () -> Metric.forTask(Metric.RMSE, true));
        refused("'metric' is accuracy but the task is regression; use --metric rmse or nll", () -> Metric.forTask(Metric.ACCURACY, false));
        refused("'metric' is 'auc' but must be accuracy, rmse or nll", () -> Metric.parse("auc"));
    }

    @Test
    void tiesGoToTheSmallerDepthThenTheLargerRidge() {
        List<Selection.Row> rows = List.of(
                new Selection.Row("relu", 1, 0, "ntk", 5, 1e-3, 1e-3, "accuracy", 0.9, 0, 3, 0),
                new Selection.Row("relu", 1, 0, "ntk", 3, 1e-4, 1e-4, "accuracy", 0.9, 0, 3, 1),
                new Selection.Row("relu", 1, 0, "ntk", 3, 1e-2, 1e-2, "accuracy", 0.9, 0, 3, 2),
                new Selection.Row("relu", 1, 0, "nngp", 3, 1e-2, 1e-2, "accuracy", 0.9, 0, 3, 3),
                new Selection.Row("relu", 1, 0, "ntk", 7, 1e-2, 1e-2, "accuracy", 0.8, 0, 3, 4));
        Selection.Row best = Selection.best(rows, Metric.ACCURACY);
        assertEquals(2, best.gridIndex());
        assertEquals(4, Selection.best(rows, Metric.RMSE).gridIndex(), "lower is better for rmse");
    }
}
