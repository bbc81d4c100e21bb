package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The documented output format (docs/format.md) read back by two other readers: DuckDB (JDBC) and Spark. */
class OutputReadBackTest {

    @TempDir
    Path tmp;

    private static Map<String, String> duckTypes(Statement st, String sql) throws Exception {
        Map<String, String> types = new LinkedHashMap<>();
        try (ResultSet rs = st.executeQuery("DESCRIBE " + sql)) {
            while (rs.next()) {
                types.put(rs.getString("column_name"), rs.getString("column_type"));
            }
        }
        return types;
    }

    private static Map<String, String> expectedDuck(String valueType) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kernel", "VARCHAR");
        m.put("depth", "INTEGER");
        m.put("block_row", "INTEGER");
        m.put("block_col", "INTEGER");
        m.put("row_start", "BIGINT");
        m.put("col_start", "BIGINT");
        m.put("num_rows", "INTEGER");
        m.put("num_cols", "INTEGER");
        m.put("values", valueType);
        return m;
    }

    @Test
    void duckDbReadsTilesIndexAndEntries() throws Exception {
        int n = 23;
        Path out = tmp.resolve("out");
        TileFixtures.write(out, n, -1, 5, List.of("ntk", "nngp"), List.of(1, 3), false, true);
        String tiles = out.resolve("tiles") + "/*.parquet";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            assertEquals(expectedDuck("DOUBLE[]"), duckTypes(st, "SELECT * FROM read_parquet('" + tiles + "')"));
            assertEquals(Map.of("row", "BIGINT", "id", "VARCHAR"),
                    duckTypes(st, "SELECT * FROM read_parquet('" + out.resolve("index") + "/*.parquet')"));
            // the docs' SQL: one entry per row, upper triangle plus diagonal of a symmetric Gram
            String entries = "SELECT row_start + (i - 1) // num_cols AS i, col_start + (i - 1) % num_cols AS j, v"
                    + " FROM (SELECT row_start, col_start, num_cols, unnest(values) AS v,"
                    + " generate_subscripts(values, 1) AS i FROM read_parquet('" + tiles + "')"
                    + " WHERE kernel = 'ntk' AND depth = 3)";
            try (ResultSet rs = st.executeQuery(entries)) {
                int rows = 0;
                while (rs.next()) {
                    long i = rs.getLong(1);
                    long j = rs.getLong(2);
                    assertEquals(TileFixtures.value("ntk", 3, i, j, true), rs.getDouble(3), 0.0, "(" + i + "," + j + ")");
                    rows++;
                }
                // all entries of the stored tiles: 5 row blocks, 4 full and one of 3
                assertEquals(4 * 25 + 4 * 5 * 3 + 3 * 3 + 6 * 25, rows);
            }
        }
    }

    @Test
    void duckDbSeesFloat32AsFloatArray() throws Exception {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 9, -1, 4, List.of("ntk"), List.of(1), true, true);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            assertEquals(expectedDuck("FLOAT[]"),
                    duckTypes(st, "SELECT * FROM read_parquet('" + out.resolve("tiles") + "/*.parquet')"));
        }
    }

    @Test
    void sparkReadsTheColumnNamesAndTypes() throws Exception {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 23, -1, 5, List.of("ntk", "nngp"), List.of(1, 3), false, true);
        StructType s = LocalSpark.get().read().parquet(out.resolve("tiles").toString()).schema();
        Map<String, DataType> want = new LinkedHashMap<>();
        want.put("kernel", DataTypes.StringType);
        want.put("depth", DataTypes.IntegerType);
        want.put("block_row", DataTypes.IntegerType);
        want.put("block_col", DataTypes.IntegerType);
        want.put("row_start", DataTypes.LongType);
        want.put("col_start", DataTypes.LongType);
        want.put("num_rows", DataTypes.IntegerType);
        want.put("num_cols", DataTypes.IntegerType);
        Map<String, DataType> got = new LinkedHashMap<>();
        for (var f : s.fields()) {
            got.put(f.name(), f.dataType());
        }
        DataType values = got.remove("values");
        assertEquals(want, got);
        assertEquals(DataTypes.DoubleType, ((ArrayType) values).elementType());
        Row r = LocalSpark.get().read().parquet(out.resolve("tiles").toString())
                .where("kernel = 'nngp' AND depth = 1 AND block_row = 1 AND block_col = 4").first();
        assertEquals(5L, r.getLong(r.fieldIndex("row_start")));
        assertEquals(3, r.getInt(r.fieldIndex("num_cols")));
        assertEquals(TileFixtures.value("nngp", 1, 6, 22, true), r.<Double>getList(r.fieldIndex("values")).get(1 * 3 + 2), 0.0);
    }
}
