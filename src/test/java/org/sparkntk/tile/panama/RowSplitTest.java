package org.sparkntk.tile.panama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The contiguous row ranges of a multi-threaded recursion cover every row once and share the work evenly. */
class RowSplitTest {

    @ParameterizedTest
    @CsvSource({"2048,2048,false,2", "2048,2048,true,2", "1031,1031,true,3", "9,40,false,4", "203,203,true,3", "16,16,true,2"})
    void rangesCoverRowsWithEqualWork(int m, int n, boolean symmetric, int t) {
        int[] b = PanamaRecursion.split(m, n, symmetric, t);
        assertEquals(t + 1, b.length);
        assertEquals(0, b[0]);
        assertEquals(m, b[t]);
        double total = symmetric ? (double) m * (m - 1) / 2 : (double) m * n;
        double biggestRow = symmetric ? n - 1 : n;
        for (int w = 0; w < t; w++) {
            assertTrue(b[w] <= b[w + 1], "ranges in order");
            double work = 0;
            for (int i = b[w]; i < b[w + 1]; i++) {
                work += symmetric ? n - i - 1 : n;
            }
            // each range is within one row's work of an equal share
            assertTrue(Math.abs(work - total / t) <= biggestRow, "range " + w + " has " + work + " of " + total);
        }
    }
}
