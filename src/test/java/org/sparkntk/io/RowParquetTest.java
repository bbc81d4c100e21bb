package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RowParquet} against Spark SQL's own writer on the same rows: the same Parquet schema and
 * Spark schema in the footer, the same rows read back by Spark, and the values read by DuckDB.
 */
class RowParquetTest {

    @TempDir
    Path tmp;

    private static final StructType ALL = new StructType()
            .add("row", DataTypes.LongType, false)
            .add("id", DataTypes.StringType, true)
            .add("i", DataTypes.IntegerType, true)
            .add("s", DataTypes.ShortType, true)
            .add("b", DataTypes.ByteType, true)
            .add("d", DataTypes.DoubleType, true)
            .add("f", DataTypes.FloatType, true)
            .add("ok", DataTypes.BooleanType, true)
            .add("scores", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("maybe", DataTypes.createArrayType(DataTypes.DoubleType, true), true)
            .add("ints", DataTypes.createArrayType(DataTypes.LongType, false), true)
            .add("names", DataTypes.createArrayType(DataTypes.StringType, true), true);

    private static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create(0L, "a", 1, (short) 2, (byte) 3, 1.5, 2.5f, true, new double[] {1, -2, 3.25},
                new Double[] {1.0, null, 3.0}, new Long[] {Long.MIN_VALUE, Long.MAX_VALUE}, new String[] {"x", null, "ünï"}));
        rows.add(RowFactory.create(1L, null, null, null, null, null, null, null, new double[0], null, null, null));
        rows.add(RowFactory.create(2L, "ç-日本", Integer.MIN_VALUE, Short.MIN_VALUE, Byte.MIN_VALUE, Double.NaN,
                Float.NEGATIVE_INFINITY, false, new double[] {-0.0, Double.POSITIVE_INFINITY, Double.MIN_VALUE},
                new Double[0], new Long[0], new String[0]));
        rows.add(RowFactory.create(Long.MAX_VALUE, "", Integer.MAX_VALUE, Short.MAX_VALUE, Byte.MAX_VALUE, -0.0, 1e-30f, true,
                new double[] {Double.MAX_VALUE}, new Double[] {null}, new Long[] {0L}, new String[] {""}));
        return rows;
    }

    private static Configuration conf() {
        return LocalSpark.get().sparkContext().hadoopConfiguration();
    }

    private static File part(File dir) {
        File[] parts = dir.listFiles((d, n) -> n.startsWith("part-") && n.endsWith(".snappy.parquet"));
        assertEquals(1, parts.length, "part files in " + dir);
        return parts[0];
    }

    private static FileMetaData footer(File f) throws Exception {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f.toURI()), conf()))) {
            return r.getFooter().getFileMetaData();
        }
    }

    private static List<Row> readSorted(String dir) {
        List<Row> l = new ArrayList<>(LocalSpark.get().read().parquet(dir).collectAsList());
        l.sort(Comparator.comparingLong(r -> r.getLong(0)));
        return l;
    }

    @Test
    void writesWhatSparkSqlWrites() throws Exception {
        SparkSession spark = LocalSpark.get();
        File direct = tmp.resolve("direct").toFile();
        File viaSql = tmp.resolve("sql").toFile();
        RowParquet.write(conf(), new org.apache.hadoop.fs.Path(direct.toURI()), ALL, rows());
        spark.createDataFrame(rows(), ALL).coalesce(1).write().parquet(viaSql.toString());

        assertTrue(new File(direct, "_SUCCESS").isFile(), "_SUCCESS marks a complete directory as Spark's does");
        FileMetaData mine = footer(part(direct));
        FileMetaData spark4 = footer(part(viaSql));
        assertEquals(spark4.getSchema(), mine.getSchema(), "the Parquet schema Spark SQL writes");
        for (String key : List.of(RowParquet.SPARK_SCHEMA_KEY, RowParquet.SPARK_VERSION_KEY)) {
            assertEquals(spark4.getKeyValueMetaData().get(key), mine.getKeyValueMetaData().get(key), key);
        }

        assertEquals(spark.read().parquet(viaSql.toString()).schema(), spark.read().parquet(direct.toString()).schema());
        List<Row> a = readSorted(viaSql.toString());
        List<Row> b = readSorted(direct.toString());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            // Row equality compares doubles by value and arrays (Scala sequences) element by element;
            // -0.0 and NaN are checked by their bits below
            assertEquals(a.get(i), b.get(i), "row " + i);
        }
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(b.get(3).getDouble(5)));
        assertTrue(Double.isNaN(b.get(2).getDouble(5)));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(b.get(2).<Double>getList(8).get(0)));
    }

    @Test
    void duckDbReadsTheValues() throws Exception {
        File dir = tmp.resolve("duck").toFile();
        RowParquet.write(conf(), new org.apache.hadoop.fs.Path(dir.toURI()), ALL, rows());
        String file = part(dir).getAbsolutePath();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + file + "')")) {
                List<String> types = new ArrayList<>();
                while (rs.next()) {
                    types.add(rs.getString("column_type"));
                }
                assertEquals(List.of("BIGINT", "VARCHAR", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN",
                        "DOUBLE[]", "DOUBLE[]", "BIGINT[]", "VARCHAR[]"), types);
            }
            try (ResultSet rs = st.executeQuery("SELECT \"row\", id, i, s, b, d, f, ok, list_sum(scores), len(scores),"
                    + " len(maybe), maybe[2] IS NULL, ints[1], names[3] FROM read_parquet('" + file + "') ORDER BY \"row\"")) {
                assertTrue(rs.next());
                assertEquals(0L, rs.getLong(1));
                assertEquals("a", rs.getString(2));
                assertEquals(1, rs.getInt(3));
                assertEquals(2, rs.getShort(4));
                assertEquals(3, rs.getByte(5));
                assertEquals(1.5, rs.getDouble(6));
                assertEquals(2.5f, rs.getFloat(7));
                assertTrue(rs.getBoolean(8));
                assertEquals(2.25, rs.getDouble(9));
                assertEquals(3, rs.getInt(10));
                assertEquals(3, rs.getInt(11));
                assertTrue(rs.getBoolean(12), "a null element stays null");
                assertEquals(Long.MIN_VALUE, rs.getLong(13));
                assertEquals("ünï", rs.getString(14));
                assertTrue(rs.next());
                assertEquals(1L, rs.getLong(1));
                assertNull(rs.getString(2));
                rs.getInt(3);
                assertTrue(rs.wasNull());
                assertEquals(0, rs.getInt(10), "an empty array is empty, not null");
                assertTrue(rs.next());
                assertEquals("ç-日本", rs.getString(2));
                assertEquals(Byte.MIN_VALUE, rs.getByte(5));
                assertTrue(rs.next());
                assertEquals(Long.MAX_VALUE, rs.getLong(1));
                assertFalse(rs.next());
            }
        }
    }

    @Test
    void othersAreLeftToSparkSql() throws Exception {
        for (StructType t : List.of(
                new StructType().add("x", DataTypes.createDecimalType(10, 2)),
                new StructType().add("x", DataTypes.DateType),
                new StructType().add("x", DataTypes.TimestampType),
                new StructType().add("x", DataTypes.BinaryType),
                new StructType().add("x", new StructType().add("y", DataTypes.LongType)),
                new StructType().add("x", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.DoubleType))))) {
            assertFalse(RowParquet.covers(t), t.simpleString());
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(tmp.resolve("no-" + Math.abs(t.hashCode())).toUri());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RowParquet.write(conf(), p, t, List.of()));
            assertTrue(e.getMessage().contains("use Spark SQL"), e.getMessage());
            assertFalse(Files.exists(Path.of(p.toUri())), "nothing written");
        }
        assertTrue(RowParquet.covers(ALL));
        String before = System.getProperty("ntk.write");
        System.setProperty("ntk.write", "spark");
        try {
            assertFalse(RowParquet.covers(ALL), "-Dntk.write=spark");
        } finally {
            if (before == null) {
                System.clearProperty("ntk.write");
            } else {
                System.setProperty("ntk.write", before);
            }
        }
    }

    @Test
    void refusesValuesOfAnotherClassAndNullsWhereNoneMayBe() throws Exception {
        StructType t = new StructType().add("i", DataTypes.IntegerType, false).add("a", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
        Map<String, Row> bad = Map.of(
                "Long", RowFactory.create(3L, null),
                "null", RowFactory.create(null, null),
                "holds no nulls", RowFactory.create(1, new Double[] {1.0, null}));
        for (Map.Entry<String, Row> e : bad.entrySet()) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(tmp.resolve("bad-" + e.getKey().replace(' ', '-')).toUri());
            Exception x = assertThrows(Exception.class, () -> RowParquet.write(conf(), p, t, List.of(e.getValue())));
            String msg = x.getMessage() + " " + (x.getCause() == null ? "" : x.getCause().getMessage());
            assertTrue(msg.contains(e.getKey()), e.getKey() + ": " + msg);
            assertFalse(Files.exists(Path.of(p.toUri())), "a failed write leaves nothing behind");
        }
        org.apache.hadoop.fs.Path exists = new org.apache.hadoop.fs.Path(tmp.toUri());
        assertThrows(java.io.IOException.class, () -> RowParquet.write(conf(), exists, t, List.of()));
    }
}
