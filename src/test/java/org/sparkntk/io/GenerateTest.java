package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ntk generate: deterministic, the documented scale, and the schema as Spark and DuckDB see it. */
class GenerateTest {

    @TempDir
    Path tmp;

    @Test
    void rowsDependOnlyOnSeedAndRowNumber() {
        Synthetic.Spec spec = new Synthetic.Spec(1000, 13, 3, 42, 1.0, true);
        Synthetic a = new Synthetic(spec);
        Synthetic b = new Synthetic(spec);
        double[] x = new double[13];
        double[] y = new double[13];
        for (long i : new long[] {999, 0, 500, 7}) { // any order: no state carried between rows
            assertEquals(a.row(i, x), b.row(i, y));
            assertArrayEquals(x, y, 0.0);
            assertEquals(a.target(x), b.target(y), 0.0);
        }
        Synthetic other = new Synthetic(new Synthetic.Spec(1000, 13, 3, 43, 1.0, true));
        other.row(7, y);
        assertNotEquals(x[0], y[0]);
    }

    @Test
    void scaleIsAsDocumented() {
        int d = 64;
        int k = 4;
        int n = 20000;
        double noise = 0.5;
        Synthetic g = new Synthetic(new Synthetic.Spec(n, d, k, 7, noise, false));
        double[] x = new double[d];
        int[] perClass = new int[k];
        double sumSq = 0;
        double[] resid = new double[d];
        double residSq = 0;
        for (long i = 0; i < n; i++) {
            int label = g.row(i, x);
            perClass[label]++;
            double[] c = g.centre(label);
            for (int j = 0; j < d; j++) {
                sumSq += x[j] * x[j];
                resid[j] = x[j] - c[j] / Math.sqrt(1 + noise * noise);
                residSq += resid[j] * resid[j];
            }
        }
        for (int c : perClass) {
            assertEquals(n / (double) k, c, 4 * Math.sqrt(n / (double) k), "labels uniform");
        }
        // within-class noise variance noise^2 / (1 + noise^2) per coordinate
        assertEquals(noise * noise / (1 + noise * noise), residSq / ((double) n * d), 0.005);
        // ||x||^2 / d ~ 1: exact only in expectation over centres, so loosely
        assertEquals(1.0, sumSq / ((double) n * d), 0.35);
    }

    @Test
    void cliWritesTheSameBytesForASeedAndSparkReadsTheSchema() throws Exception {
        String f1 = tmp.resolve("a.parquet").toString();
        String f2 = tmp.resolve("b.parquet").toString();
        String[] common = {"--rows", "300", "--dim", "7", "--classes", "3", "--seed", "5", "--target"};
        assertEquals(0, ExportTest.run(concat(new String[] {"generate", "--output", f1}, common)).code());
        assertEquals(0, ExportTest.run(concat(new String[] {"generate", "--output", f2}, common)).code());
        assertEquals(-1, Files.mismatch(Path.of(f1), Path.of(f2)), "same seed, same bytes");

        Dataset<Row> df = LocalSpark.get().read().parquet(f1);
        StructType s = df.schema();
        assertEquals(List.of("id", "features", "label", "y"), List.of(s.fieldNames()));
        assertEquals(DataTypes.LongType, s.apply("id").dataType());
        assertEquals(DataTypes.DoubleType, ((org.apache.spark.sql.types.ArrayType) s.apply("features").dataType()).elementType());
        assertEquals(DataTypes.IntegerType, s.apply("label").dataType());
        assertEquals(DataTypes.DoubleType, s.apply("y").dataType());
        List<Row> rows = df.orderBy("id").collectAsList();
        assertEquals(300, rows.size());
        Synthetic g = new Synthetic(new Synthetic.Spec(300, 7, 3, 5, 1.0, true));
        double[] x = new double[7];
        for (Row r : rows) {
            long id = r.getLong(0);
            assertEquals(g.row(id, x), r.getInt(2));
            List<Double> got = r.getList(1);
            for (int j = 0; j < 7; j++) {
                assertEquals(x[j], got.get(j), 0.0);
            }
            assertEquals(g.target(x), r.getDouble(3), 0.0);
        }
    }

    @Test
    void vectorFormatAndStringIdsAsSparkSeesThem() {
        String arr = tmp.resolve("arr.parquet").toString();
        String vec = tmp.resolve("vec.parquet").toString();
        assertEquals(0, ExportTest.run("generate", "--rows", "50", "--dim", "5", "--classes", "2", "--seed", "9",
                "--output", arr).code());
        assertEquals(0, ExportTest.run("generate", "--rows", "50", "--dim", "5", "--classes", "2", "--seed", "9",
                "--output", vec, "--format", "vector", "--id-type", "string").code());
        Dataset<Row> v = LocalSpark.get().read().parquet(vec);
        assertTrue(v.schema().apply("features").dataType() instanceof VectorUDT, v.schema().toString());
        assertEquals(DataTypes.StringType, v.schema().apply("id").dataType());
        Map<String, double[]> byId = new LinkedHashMap<>();
        for (Row r : v.collectAsList()) {
            byId.put(r.getString(0), ((Vector) r.get(1)).toArray());
        }
        for (Row r : LocalSpark.get().read().parquet(arr).collectAsList()) {
            List<Double> a = r.getList(1);
            double[] want = a.stream().mapToDouble(Double::doubleValue).toArray();
            assertArrayEquals(want, byId.get("id-" + r.getLong(0)), 0.0);
        }
    }

    @Test
    void duckDbReadsTheColumnTypes() throws Exception {
        String f = tmp.resolve("d.parquet").toString();
        assertEquals(0, ExportTest.run("generate", "--rows", "20", "--dim", "3", "--output", f, "--id-type", "string").code());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + f + "')")) {
            Map<String, String> types = new LinkedHashMap<>();
            while (rs.next()) {
                types.put(rs.getString("column_name"), rs.getString("column_type"));
            }
            assertEquals(Map.of("id", "VARCHAR", "features", "DOUBLE[]", "label", "INTEGER"), types);
        }
    }

    @Test
    void refusals() throws Exception {
        Path f = tmp.resolve("x.parquet");
        Files.writeString(f, "keep");
        ExportTest.Run r = ExportTest.run("generate", "--rows", "5", "--dim", "2", "--output", f.toString());
        assertEquals(2, r.code());
        assertEquals("error: 'output' " + f + " exists; pass --overwrite to replace it", r.err().strip());
        assertEquals("keep", Files.readString(f));

        r = ExportTest.run("generate", "--rows", "5", "--dim", "2", "--output", f.toString(), "--format", "vectr");
        assertEquals(2, r.code());
        assertEquals("error: 'format' is 'vectr' but must be one of array, vector; did you mean 'vector'?", r.err().strip());

        r = ExportTest.run("generate", "--rows", "0", "--dim", "2", "--output", tmp.resolve("y.parquet").toString());
        assertEquals(2, r.code());
        assertEquals("error: 'rows' is 0 but must be > 0", r.err().strip());
        assertFalse(Files.exists(tmp.resolve("y.parquet")));

        r = ExportTest.run("generate", "--rows", "5", "--dim", "2", "--output", f.toString(), "--overwrite");
        assertEquals(0, r.code(), r.err());
        assertEquals(5, LocalSpark.get().read().parquet(f.toString()).count());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
