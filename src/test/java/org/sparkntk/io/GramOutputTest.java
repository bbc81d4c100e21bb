package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code ntk gram} output on {@code ntk generate} data, read back by DuckDB (JDBC), Spark,
 * {@code ntk export} and the BlockMatrix loader; depth 1 checked against its closed form
 * x.x'/d (ntk-math.md, "The recursion", sigma_w = 1, beta = 0) computed from the generator.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GramOutputTest {

    static final int N = 150;
    static final int N2 = 40;
    static final int D = 6;
    static final int B = 64; // 150 = 64 + 64 + 22: ragged

    @TempDir
    static Path tmp;

    Path gram64;
    Path gram32;
    Path cross;
    Synthetic gen;

    @BeforeAll
    void runGram() {
        LocalSpark.get(); // gram uses the active session
        String data = tmp.resolve("data.parquet").toString();
        String data2 = tmp.resolve("data2.parquet").toString();
        ok(ExportTest.run("generate", "--rows", "" + N, "--dim", "" + D, "--classes", "3", "--seed", "11",
                "--id-type", "string", "--output", data));
        ok(ExportTest.run("generate", "--rows", "" + N2, "--dim", "" + D, "--classes", "3", "--seed", "12",
                "--output", data2));
        gen = new Synthetic(new Synthetic.Spec(N, D, 3, 11, 1.0, false));
        gram64 = tmp.resolve("g64");
        gram32 = tmp.resolve("g32");
        cross = tmp.resolve("cross");
        ok(ExportTest.run("gram", "--input", data, "--id-col", "id", "--output", gram64.toString(), "--activation", "relu",
                "--depths", "1,3", "--block-size", "" + B));
        ok(ExportTest.run("gram", "--input", data, "--id-col", "id", "--output", gram32.toString(), "--depth", "2",
                "--precision", "float32", "--block-size", "" + B));
        ok(ExportTest.run("gram", "--input", data, "--input2", data2, "--id-col", "id", "--output", cross.toString(),
                "--depth", "1", "--kernels", "ntk", "--block-size", "" + B));
    }

    private static void ok(ExportTest.Run r) {
        assertEquals(0, r.code(), r.err());
    }

    /** Generator row number of matrix row r, through OUT/index (ids are "id-" + generator row). */
    private Map<Long, Long> index(Path out, String dir) throws Exception {
        Map<Long, Long> m = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT row, id FROM read_parquet('" + out.resolve(dir) + "/*.parquet')")) {
            while (rs.next()) {
                Object id = rs.getObject(2);
                m.put(rs.getLong(1), id instanceof String s ? Long.parseLong(s.substring(3)) : ((Number) id).longValue());
            }
        }
        return m;
    }

    private static double[] row(Synthetic g, long i) {
        double[] x = new double[g.spec().dim()];
        g.row(i, x);
        return x;
    }

    private static Map<String, String> duckTypes(Statement st, String sql) throws Exception {
        Map<String, String> types = new LinkedHashMap<>();
        try (ResultSet rs = st.executeQuery("DESCRIBE " + sql)) {
            while (rs.next()) {
                types.put(rs.getString("column_name"), rs.getString("column_type"));
            }
        }
        return types;
    }

    private static Map<String, String> tileTypes(String values) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String c : List.of("kernel:VARCHAR", "depth:INTEGER", "block_row:INTEGER", "block_col:INTEGER",
                "row_start:BIGINT", "col_start:BIGINT", "num_rows:INTEGER", "num_cols:INTEGER")) {
            m.put(c.split(":")[0], c.split(":")[1]);
        }
        m.put("values", values);
        return m;
    }

    @Test
    void theDirectTileWriterWritesTheSameFilesAndSaysSo() throws Exception {
        // the first run again through -Dntk.tile.writer=direct (O_DIRECT on this file system): every
        // tile file and its .crc must be the bytes Hadoop's stream wrote, and kernel.json names the writer
        String data = tmp.resolve("data.parquet").toString();
        Path direct = tmp.resolve("g64-direct");
        Path hadoop = tmp.resolve("g64-hadoop");
        String old = System.getProperty(TileWriter.PROPERTY);
        try {
            System.setProperty(TileWriter.PROPERTY, "direct");
            ok(ExportTest.run("gram", "--input", data, "--id-col", "id", "--output", direct.toString(), "--activation", "relu",
                    "--depths", "1,3", "--block-size", "" + B));
            System.setProperty(TileWriter.PROPERTY, "hadoop");
            ok(ExportTest.run("gram", "--input", data, "--id-col", "id", "--output", hadoop.toString(), "--activation", "relu",
                    "--depths", "1,3", "--block-size", "" + B));
            System.setProperty(TileWriter.PROPERTY, "odirect");
            ExportTest.Run bad = ExportTest.run("gram", "--input", data, "--id-col", "id", "--output", tmp.resolve("g-bad").toString());
            assertEquals(2, bad.code(), bad.err());
            assertTrue(bad.err().contains("-Dntk.tile.writer=odirect is not a tile writer: use auto, hadoop or direct"), bad.err());
        } finally {
            if (old == null) {
                System.clearProperty(TileWriter.PROPERTY);
            } else {
                System.setProperty(TileWriter.PROPERTY, old);
            }
        }
        List<String> names = new ArrayList<>();
        try (var files = Files.list(gram64.resolve("tiles"))) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".parquet")).sorted().forEach(names::add);
        }
        assertEquals(6, names.size(), "3 x 3 blocks, upper triangle: " + names);
        // the default run (gram64, -Dntk.tile.writer unset: auto) as well as the direct one against Hadoop's stream
        for (Path run : List.of(direct, gram64)) {
            for (String n : names) {
                Path want = hadoop.resolve("tiles").resolve(n);
                Path got = run.resolve("tiles").resolve(n);
                org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(want), Files.readAllBytes(got), run + " " + n);
                org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(LocalTileOutput.checksumFile(want)),
                        Files.readAllBytes(LocalTileOutput.checksumFile(got)), run + " " + n + " .crc");
            }
        }
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        assertEquals(List.of("direct"), KernelManifest.readKernel(conf, direct.toString()).executors().get("writer"));
        assertEquals(List.of("hadoop"), KernelManifest.readKernel(conf, hadoop.toString()).executors().get("writer"));
        // unset means auto: O_DIRECT where this file system takes it
        String auto = TileWriter.AUTO.resolve(conf, new org.apache.hadoop.fs.Path(gram64.resolve("tiles").toUri())).label();
        assertEquals(List.of(auto), KernelManifest.readKernel(conf, gram64.toString()).executors().get("writer"));
    }

    @Test
    void duckDbReadsNamesTypesAndEntries() throws Exception {
        String tiles = "read_parquet('" + gram64.resolve("tiles") + "/*.parquet')";
        Map<Long, Long> idx = index(gram64, "index");
        assertEquals(N, idx.size());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            assertEquals(tileTypes("DOUBLE[]"), duckTypes(st, "SELECT * FROM " + tiles));
            assertEquals(Map.of("row", "BIGINT", "id", "VARCHAR"),
                    duckTypes(st, "SELECT * FROM read_parquet('" + gram64.resolve("index") + "/*.parquet')"));
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT (block_row, block_col)),"
                    + " bool_and(block_row <= block_col), sum(len(values)) FROM " + tiles)) {
                rs.next();
                assertEquals(6 * 4, rs.getLong(1), "3 x 3 blocks, 6 upper tiles, 2 kernels x 2 depths");
                assertEquals(6, rs.getLong(2));
                assertTrue(rs.getBoolean(3));
                assertEquals(4L * (2 * 64 * 64 + 64 * 64 + 2 * 64 * 22 + 22 * 22), rs.getLong(4));
            }
            // docs/format.md's entry query, at depth 1 against x.x'/d
            String entries = "SELECT row_start + (k - 1) // num_cols AS i, col_start + (k - 1) % num_cols AS j, v"
                    + " FROM (SELECT row_start, col_start, num_cols, unnest(values) AS v,"
                    + " generate_subscripts(values, 1) AS k FROM " + tiles + " WHERE kernel = 'ntk' AND depth = 1)";
            int count = 0;
            try (ResultSet rs = st.executeQuery(entries)) {
                while (rs.next()) {
                    double[] xi = row(gen, idx.get(rs.getLong(1)));
                    double[] xj = row(gen, idx.get(rs.getLong(2)));
                    double dot = 0;
                    for (int t = 0; t < D; t++) {
                        dot += xi[t] * xj[t];
                    }
                    assertEquals(dot / D, rs.getDouble(3), 1e-12);
                    count++;
                }
            }
            assertEquals(2 * 64 * 64 + 64 * 64 + 2 * 64 * 22 + 22 * 22, count);
        }
    }

    /** The SQL block of docs/format.md, run as written against a real output (OUT replaced by its path). */
    @Test
    void docsSqlExamplesRunAsWritten() throws Exception {
        String md = Files.readString(Path.of(System.getProperty("ntk.project.dir", "."), "docs", "format.md"));
        int a = md.indexOf("```sql\n") + "```sql\n".length();
        String sql = md.substring(a, md.indexOf("```", a)).replace("'OUT/", "'" + gram64 + "/");
        List<String> statements = new ArrayList<>();
        for (String s : sql.split(";")) {
            if (!s.isBlank()) {
                statements.add(s);
            }
        }
        assertEquals(3, statements.size(), sql);
        double[][] k3 = TileStore.dense(new org.apache.hadoop.conf.Configuration(), gram64.toString(), "ntk", 3);
        Map<Long, Long> idx = index(gram64, "index");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(statements.get(0))) {
                List<String> got = new ArrayList<>();
                while (rs.next()) {
                    got.add(rs.getString(1) + " " + rs.getInt(2) + " " + rs.getLong(3) + " " + rs.getLong(4));
                }
                long entries = 2 * 64 * 64 + 64 * 64 + 2 * 64 * 22 + 22 * 22;
                assertEquals(List.of("nngp 1 6 " + entries, "nngp 3 6 " + entries, "ntk 1 6 " + entries, "ntk 3 6 " + entries), got);
            }
            try (ResultSet rs = st.executeQuery(statements.get(1))) {
                assertTrue(rs.next());
                assertEquals(k3[56][120], rs.getDouble(1), 0.0);
                assertTrue(!rs.next());
            }
            try (ResultSet rs = st.executeQuery(statements.get(2))) {
                for (int j = 0; j < 10; j++) {
                    assertTrue(rs.next());
                    assertEquals("id-" + idx.get(0L), rs.getString(1));
                    assertEquals("id-" + idx.get((long) j), rs.getString(2));
                    assertEquals(k3[0][j], rs.getDouble(3), 0.0);
                }
                assertTrue(!rs.next());
            }
        }
    }

    @Test
    void duckDbSeesFloat32AsFloatArray() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            assertEquals(tileTypes("FLOAT[]"), duckTypes(st, "SELECT * FROM read_parquet('" + gram32.resolve("tiles") + "/*.parquet')"));
        }
    }

    @Test
    void sparkReadsNamesAndTypes() {
        for (Path out : List.of(gram64, gram32)) {
            StructType s = LocalSpark.get().read().parquet(out.resolve("tiles").toString()).schema();
            Map<String, DataType> got = new LinkedHashMap<>();
            for (var f : s.fields()) {
                got.put(f.name(), f.dataType());
            }
            DataType values = got.remove("values");
            assertEquals(Map.of("kernel", DataTypes.StringType, "depth", DataTypes.IntegerType,
                    "block_row", DataTypes.IntegerType, "block_col", DataTypes.IntegerType,
                    "row_start", DataTypes.LongType, "col_start", DataTypes.LongType,
                    "num_rows", DataTypes.IntegerType, "num_cols", DataTypes.IntegerType), got);
            assertEquals(out == gram32 ? DataTypes.FloatType : DataTypes.DoubleType, ((ArrayType) values).elementType());
        }
        Row idx = LocalSpark.get().read().parquet(gram64.resolve("index").toString()).orderBy("row").first();
        assertEquals(0L, idx.getLong(idx.fieldIndex("row")));
        assertTrue(idx.getString(idx.fieldIndex("id")).startsWith("id-"));
    }

    @Test
    void exportMatchesTheClosedFormAndTheTiles() throws Exception {
        Path npy = tmp.resolve("k1.npy");
        ok(ExportTest.run("export", "--gram", gram64.toString(), "--kernel", "ntk", "--depth", "1", "--output", npy.toString()));
        ExportTest.Npy k = ExportTest.Npy.read(npy);
        Map<Long, Long> idx = index(gram64, "index");
        for (int i = 0; i < N; i++) {
            double[] xi = row(gen, idx.get((long) i));
            for (int j = 0; j < N; j++) {
                double[] xj = row(gen, idx.get((long) j));
                double dot = 0;
                for (int t = 0; t < D; t++) {
                    dot += xi[t] * xj[t];
                }
                assertEquals(dot / D, k.get(i, j), 1e-12, "(" + i + "," + j + ")");
            }
        }
        // depth 3 and float32: equal to the stored tiles, mirrored
        for (Path out : List.of(gram64, gram32)) {
            int depth = out == gram64 ? 3 : 2;
            Path f = tmp.resolve("k" + out.getFileName() + ".npy");
            ok(ExportTest.run("export", "--gram", out.toString(), "--kernel", "nngp", "--depth", "" + depth, "--output", f.toString()));
            ExportTest.Npy e = ExportTest.Npy.read(f);
            double[][] dense = TileStore.dense(new org.apache.hadoop.conf.Configuration(), out.toString(), "nngp", depth);
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < N; j++) {
                    assertEquals(dense[i][j], e.get(i, j), 0.0);
                    assertEquals(e.get(i, j), e.get(j, i), 0.0);
                }
            }
        }
    }

    @Test
    void crossKernelExportIsNByN2() throws Exception {
        Path npy = tmp.resolve("cross.npy");
        ok(ExportTest.run("export", "--gram", cross.toString(), "--output", npy.toString()));
        ExportTest.Npy k = ExportTest.Npy.read(npy);
        assertEquals(N, k.rows());
        assertEquals(N2, k.cols());
        Synthetic gen2 = new Synthetic(new Synthetic.Spec(N2, D, 3, 12, 1.0, false));
        Map<Long, Long> idx = index(cross, "index");
        Map<Long, Long> idx2 = index(cross, "index2");
        for (int i = 0; i < N; i++) {
            double[] xi = row(gen, idx.get((long) i));
            for (int j = 0; j < N2; j++) {
                double[] xj = row(gen2, idx2.get((long) j));
                double dot = 0;
                for (int t = 0; t < D; t++) {
                    dot += xi[t] * xj[t];
                }
                assertEquals(dot / D, k.get(i, j), 1e-12);
            }
        }
    }

    @Test
    void blockMatrixOfRealOutputEqualsTheExport() throws Exception {
        Path npy = tmp.resolve("k3.npy");
        ok(ExportTest.run("export", "--gram", gram64.toString(), "--kernel", "ntk", "--depth", "3", "--output", npy.toString()));
        ExportTest.Npy want = ExportTest.Npy.read(npy);
        BlockMatrix k = KernelMatrices.blockMatrix(LocalSpark.get(), gram64.toString(), "ntk", 3);
        assertEquals(N, k.numRows());
        assertEquals(B, k.rowsPerBlock());
        Matrix local = k.toLocalMatrix();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(want.get(i, j), local.apply(i, j), 0.0);
            }
        }
        assertTrue(Files.size(npy) > 8L * N * N);
        List<String> names = new ArrayList<>();
        try (var s = Files.list(gram64)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        assertTrue(names.containsAll(List.of("tiles", "index", "kernel.json")), names.toString());
    }
}
