package org.sparkntk.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.KernelManifest.FileFingerprint;
import org.sparkntk.io.KernelManifest.InputInfo;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;

/** The update decision without Spark: no-op, append (which blocks stay) or refuse, with the reason. */
class UpdatePlannerTest {

    static final FileFingerprint A = new FileFingerprint("file:/d/part-0.parquet", 100, 1);
    static final FileFingerprint B = new FileFingerprint("file:/d/part-1.parquet", 200, 2);
    static final FileFingerprint C = new FileFingerprint("file:/d/part-2.parquet", 300, 3);

    static KernelManifest done(long n, int b, String normalize, List<FileFingerprint> files) {
        return new KernelManifest(1, true, "relu", 1.0, 0.0, List.of(3), List.of("ntk", "nngp"), "float64", n, null, 4, b,
                (int) ((n + b - 1) / b), (int) ((n + b - 1) / b), 0, new InputInfo("/d", "features", null, "id", "bigint", files),
                null, normalize, "0", 1L, 1L, null, null, "t");
    }

    static InputConfig in(String normalize) {
        return InputConfig.of("/d", null, null, null, "id", normalize);
    }

    static KernelConfig k(Integer blockSize) {
        return KernelConfig.of(null, null, null, null, null, null, null, blockSize);
    }

    @Test
    void sameFilesIsUpToDate() {
        var d = UpdatePlanner.decide(done(50, 16, "none", List.of(A, B)), in(null), k(null), List.of(B, A), null);
        assertEquals(new UpdatePlanner.UpToDate(50), d);
    }

    @Test
    void newFileSortingLastIsAnAppendKeepingTheFullBlocks() {
        var d = UpdatePlanner.decide(done(50, 16, "none", List.of(A, B)), in(null), k(null), List.of(A, B, C), null);
        assertEquals(new UpdatePlanner.Append(50, 16, 3, List.of(C)), d);
        var exact = UpdatePlanner.decide(done(48, 16, "none", List.of(A, B)), in(null), k(16), List.of(A, B, C), null);
        assertEquals(3, ((UpdatePlanner.Append) exact).keepBlocks(), "no ragged block: all old blocks stay");
    }

    @Test
    void changedOrVanishedFilesAreRefused() {
        FileFingerprint a2 = new FileFingerprint(A.path(), 101, 5);
        var changed = UpdatePlanner.decide(done(50, 16, "none", List.of(A, B)), in(null), k(null), List.of(a2, B, C), null);
        assertEquals("earlier rows changed or vanished: 'file:/d/part-0.parquet' changed (size 100 -> 101 bytes, modified 1 -> 5)."
                + " Only appending new files is incremental; pass --overwrite to recompute from scratch",
                ((UpdatePlanner.Refuse) changed).message());
        var vanished = UpdatePlanner.decide(done(50, 16, "none", List.of(A, B)), in(null), k(null), List.of(A), null);
        assertTrue(((UpdatePlanner.Refuse) vanished).message().startsWith(
                "earlier rows changed or vanished: 'file:/d/part-1.parquet' vanished."));
    }

    @Test
    void newFileSortingBeforeOldOnesIsRefused() {
        var d = UpdatePlanner.decide(done(50, 16, "none", List.of(B, C)), in(null), k(null), List.of(A, B, C), null);
        assertTrue(((UpdatePlanner.Refuse) d).message().startsWith("new file 'file:/d/part-0.parquet' sorts before the existing "
                + "file 'file:/d/part-2.parquet', so earlier rows would move"), d.toString());
    }

    @Test
    void specChangesAreListedAndRefused() {
        KernelConfig other = KernelConfig.of("erf", 4, null, null, null, null, null, 32);
        var d = UpdatePlanner.decide(done(50, 16, "none", List.of(A)), in(null), other, List.of(A), null);
        assertEquals("the job spec changed since the result was computed: 'activation' is 'erf' now but was 'relu'; "
                + "'depths' is [4] now but was [3]; 'block-size' is 32 now but was 16. Pass --overwrite to recompute it from "
                + "scratch", ((UpdatePlanner.Refuse) d).message());
    }

    @Test
    void standardizeCannotBeAppended() {
        var d = UpdatePlanner.decide(done(50, 16, "standardize", List.of(A)), in("standardize"), k(null), List.of(A, B), null);
        assertInstanceOf(UpdatePlanner.Refuse.class, d);
        assertTrue(((UpdatePlanner.Refuse) d).message().contains("standardize"), d.toString());
        var same = UpdatePlanner.decide(done(50, 16, "standardize", List.of(A)), in("standardize"), k(null), List.of(A), null);
        assertInstanceOf(UpdatePlanner.UpToDate.class, same);
    }
}
