package org.sparkntk.regress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkntk.gram.InputFooters;
import org.sparkntk.options.Normalize;
import org.sparkntk.spec.UserError;

/**
 * The three ways a labelled set is read (parquet-hadoop in tasks, the local-mode prefetch, Spark
 * SQL) give the same rows, ids, labels (Java types included) and the same refusals; Spark SQL is
 * the independent reader each is held to.
 */
class LabeledDataTest {

    static SparkSession spark;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        RegressTest.start(); // the same local session setup
        spark = RegressTest.spark;
        dir = Files.createTempDirectory("labeled-data");
    }

    @AfterAll
    static void stop() {
        RegressTest.stop();
    }

    /** Writes rows with {@code schema} as {@code files} files of row groups of at most {@code groupRows} rows. */
    static String write(String name, StructType schema, List<Row> rows, int files, int groupRows) {
        String path = dir.resolve(name).toString();
        spark.createDataFrame(rows, schema).repartition(files).write()
                .option("parquet.block.row.count.limit", String.valueOf(groupRows)).parquet(path);
        return path;
    }

    /** The set read with {@code -Dntk.read=spark} (Spark SQL) or the default (this reader), blocks collected. */
    static Read read(boolean sparkSql, Supplier<LabeledData> load) {
        String prop = System.getProperty("ntk.read");
        if (sparkSql) {
            System.setProperty("ntk.read", "spark");
        } else {
            System.clearProperty("ntk.read");
        }
        try {
            LabeledData ld = load.get();
            try {
                return Read.of(ld);
            } finally {
                ld.release();
            }
        } finally {
            if (prop == null) {
                System.clearProperty("ntk.read");
            } else {
                System.setProperty("ntk.read", prop);
            }
        }
    }

    /** Everything a caller sees of a read set. */
    record Read(String route, long n, int d, List<Object> ids, List<List<Object>> labels, DataType idType, List<DataType> labelTypes,
                List<String> blocks) {

        static Read of(LabeledData ld) {
            List<List<Object>> labels = new ArrayList<>();
            for (Object[] l : ld.labels()) {
                labels.add(Arrays.asList(l));
            }
            List<String> blocks = new ArrayList<>();
            ld.blocks().collect().stream().sorted(Comparator.comparingInt(FeatureBlock::index)).forEach(b -> blocks.add(
                    b.index() + "@" + b.start() + "x" + b.rows() + ":" + Arrays.toString(b.x())));
            return new Read(ld.route(), ld.n(), ld.d(), ld.ids(), labels, ld.idType(), ld.labelTypes(), blocks);
        }

        /** The same, naming the route as {@code other} does (to compare everything else). */
        Read as(Read other) {
            return new Read(other.route, n, d, ids, labels, idType, labelTypes, blocks);
        }
    }

    static void assertSameRead(Read spark, Read direct, String what) {
        assertEquals("spark sql", spark.route(), what);
        assertEquals(spark, direct.as(spark), what);
        // the same Java classes: they are written back into predictions with the set's types
        for (int i = 0; i < spark.ids().size(); i++) {
            assertEquals(spark.ids().get(i).getClass(), direct.ids().get(i).getClass(), what + ": id class, row " + i);
            for (int j = 0; j < spark.labels().get(i).size(); j++) {
                Object a = spark.labels().get(i).get(j);
                Object b = direct.labels().get(i).get(j);
                assertEquals(a == null ? null : a.getClass(), b == null ? null : b.getClass(), what + ": label class, row " + i);
            }
        }
    }

    /** Rows of every covered column type, several files of several row groups, some nulls in the labels. */
    @Test
    void theRoutesAgreeOnEveryCoveredType() throws Exception {
        Random r = new Random(5);
        for (DataType elem : List.of(DataTypes.DoubleType, DataTypes.FloatType)) {
            for (DataType idType : elem.equals(DataTypes.FloatType) ? List.of(DataTypes.LongType) : List.of(DataTypes.LongType,
                    DataTypes.IntegerType, DataTypes.ShortType, DataTypes.ByteType, DataTypes.StringType)) {
                StructType schema = new StructType().add("label", DataTypes.IntegerType).add("id", idType)
                        .add("features", DataTypes.createArrayType(elem, false), false)
                        .add("y", DataTypes.DoubleType).add("w", DataTypes.FloatType).add("name", DataTypes.StringType)
                        .add("flag", DataTypes.BooleanType);
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < 90; i++) {
                    Object id = idType.equals(DataTypes.LongType) ? (Object) (10_000_000_000L + i)
                            : idType.equals(DataTypes.IntegerType) ? (Object) (7 * i)
                            : idType.equals(DataTypes.ShortType) ? (Object) (short) (3 * i)
                            : idType.equals(DataTypes.ByteType) ? (Object) (byte) (i - 45) : "row-" + i;
                    List<Object> f = new ArrayList<>();
                    for (int k = 0; k < 6; k++) {
                        double v = r.nextGaussian();
                        f.add(elem.equals(DataTypes.FloatType) ? (Object) (float) v : (Object) v);
                    }
                    rows.add(RowFactory.create(i % 3, id, f, i % 11 == 0 ? null : r.nextGaussian(), (float) r.nextGaussian(),
                            i % 13 == 0 ? null : "n" + (i % 4), i % 2 == 0));
                }
                String path = write("types-" + elem.typeName() + "-" + idType.typeName(), schema, rows, 3, 11);
                InputFooters footers = InputFooters.read(new Configuration(), path);
                assertEquals(3, footers.files().size());
                assertTrue(footers.files().stream().allMatch(f -> f.groupRows().length > 1), "several row groups per file");
                for (List<String> labels : List.of(List.of("label"), List.of("y", "w", "name", "flag"))) {
                    String what = elem.typeName() + " features, " + idType.typeName() + " ids, labels " + labels;
                    Supplier<LabeledData> load = () -> LabeledData.load(spark, path, "--train", "features", "id", labels, true, 16,
                            Normalize.NONE);
                    Read viaSql = read(true, load);
                    Read direct = read(false, load);
                    assertEquals("parquet-hadoop tasks", direct.route(), what);
                    assertEquals(90, direct.n(), what);
                    assertSameRead(viaSql, direct, what);
                    ParquetRows.prefetch(new Configuration(), path, "features", "id", labels);
                    Read prefetched = read(false, load);
                    assertEquals("prefetched", prefetched.route(), what);
                    assertSameRead(viaSql, prefetched, what);
                }
                // without an id column (row numbers), a test set without labels
                Supplier<LabeledData> noId = () -> LabeledData.load(spark, path, "--test", "features", null, List.of("absent"), false, 7,
                        Normalize.NONE);
                assertSameRead(read(true, noId), read(false, noId), elem.typeName() + " features, no id, no labels");
                // standardize: the column sums run over other partitions (files against row groups), so to rounding
                Supplier<LabeledData> std = () -> LabeledData.load(spark, path, "--train", "features", "id", List.of("label"), true, 7,
                        Normalize.STANDARDIZE);
                double[] a = blockValues(read(true, std));
                double[] b = blockValues(read(false, std));
                assertEquals(a.length, b.length);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-13 * Math.max(1, Math.abs(a[i])), "standardized value " + i);
                }
            }
        }
    }

    /** The block values of a read, in row order. */
    static double[] blockValues(Read r) {
        List<Double> v = new ArrayList<>();
        for (String b : r.blocks()) {
            for (String x : b.substring(b.indexOf('[') + 1, b.length() - 1).split(", ")) {
                v.add(Double.parseDouble(x));
            }
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Bad rows are refused with the same message by each route, the first in input order named. */
    @Test
    void theRoutesRefuseBadRowsAlike() {
        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, true)).add("label", DataTypes.IntegerType);
        Object[][] cases = {
                {Arrays.asList(1.0, Double.POSITIVE_INFINITY, 3.0), "row with id 'r37' has feature 1 = Infinity; features must be finite"},
                {Arrays.asList(1.0, 2.0, null), "row with id r37 has a null feature at position 2"},
                {null, "row with id r37 has null features ('features')"},
                {Arrays.asList(1.0, 2.0, 3.0, 4.0), "row r37 has 4 features but row r\\d+ has 3; all feature vectors must have the same length"},
                {List.of(), "row r37 has 0 features but row r\\d+ has 3; all feature vectors must have the same length"},
        };
        for (int c = 0; c < cases.length; c++) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                rows.add(RowFactory.create(c == 0 && i == 50 ? null : "r" + i, i == 37 ? cases[c][0] : List.of(1.0, 2.0, 3.0), i % 2));
            }
            String path = write("bad-" + c, schema, rows, 2, 9);
            Supplier<LabeledData> load = () -> LabeledData.load(spark, path, "--train", "features", "id", List.of("label"), true, 8,
                    Normalize.NONE);
            String viaSql = assertThrows(UserError.class, () -> read(true, load)).getMessage();
            String direct = assertThrows(UserError.class, () -> read(false, load)).getMessage();
            assertEquals(viaSql, direct, "case " + c);
            assertTrue(direct.startsWith("--train '" + path + "': "), direct);
            if (c != 0) { // case 0 also has a null id, which comes first or not by the shuffle's order
                assertTrue(direct.substring(("--train '" + path + "': ").length()).matches(((String) cases[c][1])
                        .replace("(", "\\(").replace(")", "\\)").replace("'", "'")), direct);
            }
        }
        // a null id, and an empty set
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(RowFactory.create(i == 12 ? null : "r" + i, List.of(1.0, 2.0), 1));
        }
        String nullId = write("null-id", schema, rows, 1, 5);
        Supplier<LabeledData> load = () -> LabeledData.load(spark, nullId, "--train", "features", "id", List.of("label"), true, 8,
                Normalize.NONE);
        assertEquals(assertThrows(UserError.class, () -> read(true, load)).getMessage(),
                assertThrows(UserError.class, () -> read(false, load)).getMessage());
        assertEquals("--train '" + nullId + "': row number 12 has a null id",
                assertThrows(UserError.class, () -> read(false, load)).getMessage());
        String empty = write("empty", schema, List.of(), 1, 5);
        Supplier<LabeledData> loadEmpty = () -> LabeledData.load(spark, empty, "--train", "features", "id", List.of("label"), true, 8,
                Normalize.NONE);
        assertEquals("--train '" + empty + "' is empty", assertThrows(UserError.class, () -> read(false, loadEmpty)).getMessage());
        assertEquals("--train '" + empty + "' is empty", assertThrows(UserError.class, () -> read(true, loadEmpty)).getMessage());
    }

    /** A prefetch of files that changed before it was taken is dropped; a layout this reader does not cover goes to Spark SQL. */
    @Test
    void stalePrefetchesAndUncoveredLayoutsAreReadBySpark() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.IntegerType);
        List<Row> before = new ArrayList<>();
        List<Row> after = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            before.add(RowFactory.create((long) i, List.of(1.0 * i, 2.0), i % 2));
            after.add(RowFactory.create((long) i, List.of(-1.0 * i, 5.0), i % 3));
        }
        String path = write("changing", schema, before, 1, 100);
        ParquetRows.prefetch(new Configuration(), path, "features", "id", List.of("label"));
        ParquetRows.awaitPrefetches(); // it has read the old files (the new ones have other names)
        spark.createDataFrame(after, schema).coalesce(1).write().mode("overwrite").parquet(path);
        Supplier<LabeledData> load = () -> LabeledData.load(spark, path, "--train", "features", "id", List.of("label"), true, 16,
                Normalize.NONE);
        Read r = read(false, load);
        assertEquals("parquet-hadoop tasks", r.route());
        assertSameRead(read(true, load), r, "rewritten after the prefetch");
        assertEquals(2, r.labels().get(29).get(0), "the new labels");

        // ML vectors, and a decimal label: Spark SQL reads them
        StructType vec = new StructType().add("id", DataTypes.LongType).add("features", new org.apache.spark.ml.linalg.VectorUDT())
                .add("label", DataTypes.createDecimalType(10, 2));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rows.add(RowFactory.create((long) i, org.apache.spark.ml.linalg.Vectors.dense(i, 1.0), new java.math.BigDecimal(i + ".25")));
        }
        String vpath = write("vectors", vec, rows, 1, 100);
        Read v = read(false, () -> LabeledData.load(spark, vpath, "--train", "features", "id", List.of("label"), true, 5,
                Normalize.NONE));
        assertEquals("spark sql", v.route());
        assertEquals(12, v.n());
        assertNotEquals(null, v.labels().get(3).get(0));
        String dpath = write("decimal-label", new StructType().add("id", DataTypes.LongType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.createDecimalType(10, 2)),
                List.of(RowFactory.create(1L, List.of(1.0), new java.math.BigDecimal("2.50"))), 1, 100);
        Read dl = read(false, () -> LabeledData.load(spark, dpath, "--train", "features", "id", List.of("label"), true, 5,
                Normalize.NONE));
        assertEquals("spark sql", dl.route());
        assertArrayEquals(new Object[] {new java.math.BigDecimal("2.50")}, dl.labels().get(0).toArray());
    }
}
