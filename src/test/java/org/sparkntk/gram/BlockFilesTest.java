package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staged segments (no Spark): blocks read back from segments of any sizes, including blocks that
 * span several segments and segments that span several blocks, equal the rows written; a segment
 * list that does not cover the rows exactly once is refused.
 */
class BlockFilesTest {

    @TempDir
    Path tmp;

    @Test
    void blocksAcrossSegmentsOfOddSizes() throws Exception {
        Configuration conf = new Configuration();
        int n = 103;
        int d = 7;
        Random r = new Random(5);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int k = 0; k < d; k++) {
                row[k] = r.nextGaussian();
            }
        }
        int[] sizes = {1, 13, 2, 40, 7, 1, 39};
        List<long[]> segs = new ArrayList<>();
        long start = 0;
        String dir = tmp.resolve("rows").toString();
        for (int s : sizes) {
            long from = start;
            BlockFiles.writeSegment(conf, BlockFiles.segmentPath(new org.apache.hadoop.fs.Path(dir), start), start, s, d,
                    i -> x[(int) from + i]);
            segs.add(new long[] {start, s});
            start += s;
        }
        assertEquals(n, start);
        java.util.Collections.reverse(segs); // any order
        for (int b : new int[] {1, 16, 31, 103, 200}) {
            BlockFiles.Staged st = BlockFiles.Staged.of(dir, n, b, d, segs);
            for (int i = 0; i * b < n; i++) {
                Block blk = st.read(conf, i);
                assertEquals((long) i * b, blk.start());
                assertEquals(Math.min(b, n - i * b), blk.rows());
                for (int q = 0; q < blk.rows(); q++) {
                    double[] got = java.util.Arrays.copyOfRange(blk.x(), q * d, (q + 1) * d);
                    assertArrayEquals(x[i * b + q], got, "block size " + b + ", row " + (i * b + q));
                }
            }
        }
    }

    @Test
    void segmentsMustCoverEveryRowOnce() {
        assertThrows(IllegalStateException.class, () -> BlockFiles.Staged.of("d", 10, 4, 1, List.of(new long[] {0, 4}, new long[] {5, 5})));
        assertThrows(IllegalStateException.class, () -> BlockFiles.Staged.of("d", 10, 4, 1, List.of(new long[] {0, 6}, new long[] {5, 5})));
        assertThrows(IllegalStateException.class, () -> BlockFiles.Staged.of("d", 10, 4, 1, List.of(new long[] {0, 9})));
        assertEquals(2, BlockFiles.Staged.of("d", 10, 4, 1, List.of(new long[] {6, 4}, new long[] {0, 6})).starts().length);
    }
}
