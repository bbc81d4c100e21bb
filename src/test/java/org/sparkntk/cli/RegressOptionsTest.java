package org.sparkntk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** regress refuses gram's storage options instead of silently ignoring them (no Spark started). */
class RegressOptionsTest {

    @TempDir
    Path dir;

    private String run(int expectedCode, String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(err, true), args);
        assertEquals(expectedCode, code, err.toString());
        return err.toString();
    }

    @Test
    void kernelsAndPrecisionAreRefused() {
        Path out = dir.resolve("out");
        String msg = run(2, "regress", "--train", dir.resolve("t.parquet").toString(), "--test", dir.resolve("s.parquet").toString(),
                "--label-col", "label", "--output", out.toString(), "--kernels", "ntk", "--precision", "float32");
        assertTrue(msg.contains("error: '--kernels' and '--precision' do not apply to regress: it computes one kernel"
                + " (choose it with --kernel ntk|nngp), keeps it in float64 and stores no tiles; use 'ntk gram' to store kernels"), msg);
        assertFalse(Files.exists(out));
        msg = run(2, "regress", "--train", "a", "--test", "b", "--label-col", "label", "--output", out.toString(),
                "--precision", "float64");
        assertTrue(msg.contains("error: '--precision' does not apply to regress"), msg);
        assertFalse(Files.exists(out));
        msg = run(2, "regress", "--train", "a", "--test", "b", "--label-col", "label", "--output", out.toString(),
                "--compute", "float32");
        assertTrue(msg.contains("error: '--compute' does not apply to regress"), msg);
        assertFalse(Files.exists(out));
    }

    /** --task has one parser for regress, select and solve; 'ntk solve --task' used to take any word as auto. */
    @Test
    void unknownTaskIsRefusedByEveryCommand() {
        Path out = dir.resolve("out");
        String want = "error: 'task' is 'classify' but must be auto, classification or regression";
        String msg = run(2, "regress", "--train", "a", "--test", "b", "--label-col", "label", "--output", out.toString(), "--task", "classify");
        assertTrue(msg.contains(want), msg);
        msg = run(2, "select", "--train", "a", "--label-col", "label", "--loo", "--output", out.toString(), "--task", "classify");
        assertTrue(msg.contains(want), msg);
        msg = run(2, "solve", "--gram", dir.toString(), "--labels", "a", "--label-col", "label", "--output", out.toString(),
                "--task", "classify");
        assertTrue(msg.contains(want), msg);
        assertFalse(Files.exists(out));
    }
}
