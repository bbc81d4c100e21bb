package org.sparkntk.solve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkntk.spec.UserError;

class TargetsTest {

    @Test
    void integralClassesSortNumericallyAndEncodeCentred() {
        Targets t = Targets.classification(List.of(10, 2, 2, 33), "label");
        assertEquals(List.of(2L, 10L, 33L), t.classes());
        double[] y = t.encode(List.of(10, 2), "label");
        double a = 1 - 1.0 / 3;
        double b = -1.0 / 3;
        assertArrayEquals(new double[] {b, a, b, a, b, b}, y, 1e-15);
    }

    @Test
    void stringClassesSortLexicographically() {
        Targets t = Targets.classification(Arrays.asList("dog", "cat", "emu", "cat"), "label");
        assertEquals(List.of("cat", "dog", "emu"), t.classes());
        assertEquals(2, t.classIndex("emu"));
        assertEquals(-1, t.classIndex("yak"));
    }

    @Test
    void refusesNullLabelsAndASingleClass() {
        UserError e = assertThrows(UserError.class, () -> Targets.classification(Arrays.asList(1, null), "y"));
        assertEquals("label column 'y' is null in training row 1; every training row needs a label", e.getMessage());
        UserError s = assertThrows(UserError.class, () -> Targets.classification(List.of(4, 4), "y"));
        assertEquals("label column 'y' has a single class (4); classification needs at least 2 classes", s.getMessage());
    }

    @Test
    void ridgeTraceScaling() {
        assertEquals(0.5 * 30 / 10, new Ridge(0.5, Ridge.Scale.TRACE).lambda(30, 10), 1e-15);
        assertEquals(0.5, new Ridge(0.5, Ridge.Scale.ABSOLUTE).lambda(30, 10));
        UserError e = assertThrows(UserError.class, () -> new Ridge(-1, Ridge.Scale.ABSOLUTE));
        assertEquals("'ridge' is -1.0 but must be >= 0 and finite", e.getMessage());
    }

    @Test
    void metrics() {
        assertEquals(0.5, Metrics.accuracy(new int[] {1, 2}, new int[] {1, 3}));
        assertArrayEquals(new double[] {Math.sqrt(0.5)}, Metrics.rmse(new double[] {1, 2}, new double[] {0, 2}, 1), 1e-15);
        assertArrayEquals(new double[] {1 - 2.0 / 0.5}, Metrics.r2(new double[] {1, 2}, new double[] {0, 1}, 1), 1e-15);
    }
}
