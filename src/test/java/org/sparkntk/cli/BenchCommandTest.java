package org.sparkntk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        // a 40 x 40 product can take less than the thread CPU clock's resolution: then null, never Infinity
        Object cpu = j.get("gemm_gflops_cpu");
        assertTrue(j.containsKey("gemm_gflops_cpu") && (cpu == null || ((Number) cpu).doubleValue() > 0), line);
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

    /** One line per method, each naming it, with its factor's difference from dpotrf's (numbers not checked beyond rounding). */
    @Test
    void choleskyTimesEachMethodAgainstDpotrf() {
        String[] r = run(0, "bench", "cholesky", "--n", "300", "--reps", "1", "--block", "64", "--threads", "2");
        String out = r[0];
        assertTrue(out.contains("cholesky N = 300, 1 reps"), out);
        String[] lines = out.strip().split("\n");
        assertEquals(4, lines.length, out);
        assertTrue(lines[1].startsWith("lapack dpotrf ("), lines[1]);
        assertTrue(lines[2].startsWith("blocked java cholesky (vector-"), lines[2]);
        assertTrue(lines[3].startsWith("blocked java cholesky (netlib "), lines[3]);
        for (int i = 1; i < 4; i++) {
            String diff = lines[i].substring(lines[i].lastIndexOf(' ') + 1);
            assertTrue(Double.parseDouble(diff) < 1e-13, lines[i]);
        }
        r = run(2, "bench", "cholesky", "--n", "0");
        assertTrue(r[1].contains("'n' is 0 but must be in 1..46340"), r[1]);
        r = run(2, "bench", "cholesky", "--methods", "lapack,fast");
        assertTrue(r[1].contains("'methods' has 'fast' but must be lapack, vector or netlib"), r[1]);
    }

    /**
     * {@code bench scan} decodes every value: its count and sum against DuckDB's reading of the same
     * file; a missing input exits 2.
     */
    @Test
    void scanDecodesEveryValueOfTheInput(@TempDir Path tmp) throws Exception {
        String f = tmp.resolve("in.parquet").toString();
        assertEquals(0, Main.run("generate", "--rows", "37", "--dim", "5", "--classes", "3", "--seed", "4", "--output", f));
        String[] r = run(0, "bench", "scan", "--input", f);
        Matcher m = Pattern.compile("scan: [0-9.]+ MB, (\\d+) values in [0-9.]+ s, [0-9]+ MB/s, one thread \\(checksum ([-0-9.eE+]+)\\)")
                .matcher(r[0].strip());
        assertTrue(m.matches(), r[0]);
        double sum;
        long values;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT sum(id) + sum(label) + sum(list_sum(features)), 2 * count(*) + sum(len(features))"
                     + " FROM read_parquet('" + f + "')")) {
            assertTrue(rs.next());
            sum = rs.getDouble(1);
            values = rs.getLong(2);
        }
        assertEquals(37 * (2 + 5), values);
        assertEquals(values, Long.parseLong(m.group(1)), r[0]);
        assertEquals(sum, Double.parseDouble(m.group(2)), 1e-5 * Math.abs(sum), r[0]);
        r = run(2, "bench", "scan", "--input", tmp.resolve("none.parquet").toString());
        assertTrue(r[1].contains("error: 'input' " + tmp.resolve("none.parquet") + " does not exist"), r[1]);
    }

    /** {@code bench spark-start} runs its job on the session the commands use and prints the four times. */
    @Test
    void sparkStartRunsOneJobOfOneElementPerCore() {
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[2]")
                .config("spark.ui.enabled", "false").getOrCreate();
        String[] r = run(0, "bench", "spark-start");
        String line = r[0].strip();
        Matcher m = Pattern.compile("spark-start: JVM to command [0-9.]+ s, session [0-9.]+ s, job of (\\d+) tasks? [0-9.]+ s, stop [0-9.]+ s")
                .matcher(line);
        assertTrue(m.matches(), line);
        assertEquals(spark.sparkContext().defaultParallelism(), Integer.parseInt(m.group(1)), line);
        assertTrue(!spark.sparkContext().isStopped(), "the shared session is not stopped");
    }
}
