package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation summaries combine across partitions to the first problem in input order (no Spark). */
class RowCheckTest {

    static InputRow row(long i, Object id, double... x) {
        return new InputRow(i, id, x, RowCheck.vectorProblem(x));
    }

    @Test
    void lengthMismatchAcrossPartitions() {
        var p0 = RowCheck.summarize(List.of(row(0, "a", 1, 2), row(1, "b", 3, 4)).iterator(), true);
        var p1 = RowCheck.summarize(List.of().stream().map(o -> (InputRow) o).iterator(), true);
        var p2 = RowCheck.summarize(List.of(row(2, "c", 1, 2, 3), row(3, "d", 1)).iterator(), true);
        var r = RowCheck.combine(List.of(p0, p1, p2), "id", "input 'x'");
        assertEquals(4, r.n());
        assertEquals("row id 'c': features have length 3 but row id 'a' (the first row) has length 2; all feature vectors must have the same length",
                r.error());
    }

    @Test
    void earliestProblemWins() {
        var p0 = RowCheck.summarize(List.of(row(0, 10L, 1, 2), row(1, 11L, 1, 2, 3)).iterator(), false);
        var p1 = RowCheck.summarize(List.of(row(2, 12L, 1, Double.NaN)).iterator(), false);
        assertEquals("row 1: features have length 3 but row 0 (the first row) has length 2; all feature vectors must have the same length",
                RowCheck.combine(List.of(p0, p1), null, "input").error());
        var q0 = RowCheck.summarize(List.of(row(0, 10L, 1, Double.POSITIVE_INFINITY), row(1, 11L, 1, 2, 3)).iterator(), false);
        assertEquals("row id 10: features[1] is Infinity; features must be finite numbers",
                RowCheck.combine(List.of(q0), "id", "input").error());
    }

    @Test
    void partitionsAndRowsInAnyOrder() {
        // Spark hands out splits by size: partitions and rows within them need not follow the index
        var p0 = RowCheck.summarize(List.of(row(9, "j", 1, 2, 3), row(7, "h", 1, 2), row(8, "i", 1)).iterator(), true);
        var p1 = RowCheck.summarize(List.of(row(3, "d", 1, 2), row(0, "a", 1, 2), row(5, "f", 1, Double.NaN)).iterator(), true);
        var r = RowCheck.combine(List.of(p0, p1), "id", "input");
        assertEquals(6, r.n());
        assertEquals(2, r.d());
        assertEquals("row id 'f': features[1] is NaN; features must be finite numbers", r.error());
        var q1 = RowCheck.summarize(List.of(row(3, "d", 1, 2), row(0, "a", 1, 2)).iterator(), true);
        assertEquals("row id 'i': features have length 1 but row id 'a' (the first row) has length 2; all feature vectors must have the same length",
                RowCheck.combine(List.of(p0, q1), "id", "input").error());
    }

    @Test
    void cleanAndEmpty() {
        var p = RowCheck.summarize(List.of(row(0, 1L, 1, 2), row(1, 2L, 0, 0)).iterator(), true);
        var r = RowCheck.combine(List.of(p), "id", "input");
        assertNull(r.error());
        assertEquals(2, r.d());
        assertEquals("input 'e' has no rows", RowCheck.combine(List.of(), null, "input 'e'").error());
    }

    @Test
    void normalizers() {
        double[] x = {3, 4};
        assertEquals(0.6, Normalizer.l2().apply(x)[0], 1e-15);
        assertEquals(0.0, Normalizer.l2().apply(new double[] {0, 0})[1], 0.0);
        Normalizer s = Normalizer.standardize(2, new double[] {1, 5}, new double[] {8, 0});
        double[] y = s.apply(new double[] {3, 5});
        assertEquals(1.0, y[0], 1e-15); // (3 - 1) / sqrt(8 / 2)
        assertEquals(0.0, y[1], 0.0); // zero variance column -> 0
    }
}
