package org.sparkntk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ntk bench tile --json} prints the one JSON line scripts/bench-recursion.sh parses (the
 * fields issue 2 names), and bad options exit 2. Timings are not checked: benchmarks are not
 * tests.
 */
class BenchCommandTest {

    private static String[] run(int expectedCode, String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(new PrintWriter(err, true), args);
        } finally {
            System.setOut(old);
        }
        assertEquals(expectedCode, code, err.toString());
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString()};
    }

    @Test
    void jsonLineHasTheFieldsScriptsRead() throws Exception {
        String[] r = run(0, "bench", "tile", "--block", "40", "--depth", "3", "--reps", "1", "--warmup", "0", "--threads", "2",
                "--json");
        String line = r[0].strip();
        assertEquals(1, line.lines().count(), r[0]);
        Map<?, ?> j = new ObjectMapper().readValue(line, Map.class);
        for (String k : new String[] {"ns_per_entry_layer", "ns_per_entry_layer_min", "gemm_gflops", "blas", "vector_species"}) {
            assertTrue(j.containsKey(k), k + " missing in " + line);
        }
        assertTrue(((Number) j.get("ns_per_entry_layer")).doubleValue() > 0, line);
        assertTrue(((Number) j.get("ns_per_entry_layer_min")).doubleValue() <= ((Number) j.get("ns_per_entry_layer")).doubleValue(), line);
        assertEquals(3, ((Number) j.get("depth")).intValue());
        assertEquals(2, ((Number) j.get("threads")).intValue());
    }

    @Test
    void badOptionsExitTwo() {
        String[] r = run(2, "bench", "tile", "--warmup", "-1");
        assertTrue(r[1].contains("error: 'warmup' is -1.0 but must be in 0..600 seconds"), r[1]);
        r = run(2, "bench", "tile", "--depth", "1");
        assertTrue(r[1].contains("'depth' is 1 but must be in 2.."), r[1]);
    }
}
