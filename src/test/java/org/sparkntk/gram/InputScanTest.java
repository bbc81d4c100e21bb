package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.options.InputConfig;
import org.sparkntk.spec.UserError;

/**
 * The input read without Spark SQL (InputScan: by tasks, or from the driver's prefetch) gives the
 * rows, ids, problems, checks and messages the Spark SQL scan gives ({@code -Dntk.read=spark}),
 * and both give the rows that were written: several files with several row groups each, id
 * columns of every kind, double and float features, bad rows of every kind. A prefetch of files
 * changed since is not used; the gram tiles of both routes are bit-identical.
 */
class InputScanTest {

    static final int D = 6;
    /** Rows per file; files are named so that input order is this order. */
    static final int[] SIZES = {90, 130, 70};

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static final Configuration CONF = new Configuration();

    @BeforeAll
    static void setUp() {
        spark = SparkTestSupport.session();
    }

    /** Rows of the written input: id (or null without id column) and features (null for a null array). */
    record Written(List<Object> ids, List<Double[]> x) {
    }

    /** Gaussian rows with ids of {@code idType} (null: no id column); float features are rounded to float. */
    static Written rows(int n, DataType idType, boolean f32, long seed) {
        Random r = new Random(seed);
        List<Object> ids = new ArrayList<>();
        List<Double[]> x = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Object id = null;
            if (DataTypes.LongType.equals(idType)) {
                id = 1_000_000_007L * i - 5;
            } else if (DataTypes.IntegerType.equals(idType)) {
                id = 3 * i + 1;
            } else if (DataTypes.StringType.equals(idType)) {
                id = "row-" + i;
            }
            ids.add(id);
            Double[] v = new Double[D];
            for (int k = 0; k < D; k++) {
                double g = r.nextGaussian();
                v[k] = f32 ? (double) (float) g : g;
            }
            x.add(v);
        }
        return new Written(ids, x);
    }

    /**
     * Writes {@code w} as one folder of {@link #SIZES}.length files ({@code file-0.parquet}, ...,
     * rows in order), each with several row groups (a small parquet.block.size).
     */
    static String write(String name, Written w, DataType idType, boolean f32) throws IOException {
        StructType schema = new StructType();
        if (idType != null) {
            schema = schema.add("id", idType, true);
        }
        schema = schema.add("features", DataTypes.createArrayType(f32 ? DataTypes.FloatType : DataTypes.DoubleType, true), true);
        Path dir = Files.createDirectories(tmp.resolve(name));
        int at = 0;
        for (int f = 0; f < SIZES.length; f++) {
            List<Row> rows = new ArrayList<>();
            for (int i = at; i < at + SIZES[f] && i < w.x().size(); i++) {
                Double[] v = w.x().get(i);
                Object features = null;
                if (v != null) {
                    List<Object> l = new ArrayList<>();
                    for (Double e : v) {
                        l.add(e == null ? null : f32 ? (Object) e.floatValue() : (Object) e);
                    }
                    features = l;
                }
                rows.add(idType == null ? RowFactory.create(features) : RowFactory.create(w.ids().get(i), features));
            }
            at += SIZES[f];
            writeFile(schema, rows, dir.resolve("file-" + f + ".parquet"));
        }
        return dir.toString();
    }

    /** One Parquet file with the rows in order and row groups of a few dozen rows. */
    static void writeFile(StructType schema, List<Row> rows, Path target) throws IOException {
        Path out = tmp.resolve("w-" + System.nanoTime());
        spark.createDataFrame(rows, schema).coalesce(1).write()
                .option("parquet.block.size", "1024")
                .option("parquet.page.size.row.check.min", "4")
                .option("parquet.page.size.row.check.max", "8")
                .parquet(out.toString());
        try (Stream<Path> s = Files.list(out)) {
            Path part = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.move(part, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static InputConfig cfg(String path, String idCol) {
        return InputConfig.of(path, null, null, null, idCol, null);
    }

    /** Runs {@code body} with {@code -Dntk.read=spark} (the Spark SQL scan). */
    static <T> T viaSpark(Supplier<T> body) {
        System.setProperty("ntk.read", "spark");
        try {
            return body.get();
        } finally {
            System.clearProperty("ntk.read");
        }
    }

    /** Waits for a prefetch that must have started. */
    static void finished(java.util.concurrent.CompletableFuture<?> f) {
        assertNotNull(f, "prefetch started");
        assertNotNull(f.join(), "prefetch read the input");
    }

    static List<InputRow> collected(InputTable t) {
        List<InputRow> rows = new ArrayList<>(t.rows().collect());
        rows.sort(Comparator.comparingLong(InputRow::index));
        return rows;
    }

    /**
     * Same rows (index, id with its Java type, features bit for bit, problem) and the same table
     * (but runs(): Spark SQL packs small files into a partition, the direct route has one per row group).
     */
    static void assertSameTable(InputTable want, InputTable got) {
        assertEquals(want.n(), got.n());
        assertEquals(want.d(), got.d());
        assertEquals(want.idType(), got.idType());
        assertEquals(want.info(), got.info());
        assertEquals(want.maxSquaredNorm(), got.maxSquaredNorm());
        assertEquals(want.maxNormRow(), got.maxNormRow());
        List<InputRow> a = collected(want);
        List<InputRow> b = collected(got);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertSameRow(a.get(i), b.get(i));
        }
    }

    static void assertSameRow(InputRow a, InputRow b) {
        assertEquals(a.index(), b.index());
        assertEquals(a.id(), b.id(), "row " + a.index());
        assertEquals(a.id() == null ? null : a.id().getClass(), b.id() == null ? null : b.id().getClass(), "row " + a.index());
        assertEquals(a.problem(), b.problem(), "row " + a.index());
        if (a.x() == null || b.x() == null) {
            assertEquals(a.x(), b.x());
        } else {
            assertArrayEquals(Arrays.stream(a.x()).mapToLong(Double::doubleToRawLongBits).toArray(),
                    Arrays.stream(b.x()).mapToLong(Double::doubleToRawLongBits).toArray(), "row " + a.index());
        }
    }

    /** The rows are the written ones: index in file order, the written id (or the index), the written features. */
    static void assertWritten(Written w, DataType idType, InputTable t) {
        List<InputRow> rows = collected(t);
        assertEquals(w.x().size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            InputRow r = rows.get(i);
            assertEquals(i, r.index());
            assertEquals(idType == null ? Long.valueOf(i) : w.ids().get(i), r.id());
            double[] want = Arrays.stream(w.x().get(i)).mapToDouble(Double::doubleValue).toArray();
            assertArrayEquals(want, r.x(), 0.0, "row " + i);
            assertNull(r.problem());
        }
    }

    /** Row groups with rows in the input (what runs() counts for the direct route); every file has several. */
    static long rowGroups(String path) {
        InputFooters f = InputFooters.read(CONF, path);
        assertNotNull(f);
        long groups = 0;
        for (InputFooters.DataFile d : f.files()) {
            long g = Arrays.stream(d.groupRows()).filter(r -> r > 0).count();
            assertTrue(g >= 2, d.uri() + " has " + g + " row group(s); the test needs several per file");
            groups += g;
        }
        return groups;
    }

    @Test
    void sameRowsAsSparkSqlForEveryIdAndFeatureType() throws Exception {
        DataType[] idTypes = {DataTypes.LongType, DataTypes.IntegerType, DataTypes.StringType, null};
        int n = Arrays.stream(SIZES).sum();
        int seed = 0;
        for (DataType idType : idTypes) {
            for (boolean f32 : new boolean[] {false, true}) {
                String name = (idType == null ? "none" : idType.simpleString()) + (f32 ? "-float" : "-double");
                Written w = rows(n, idType, f32, ++seed);
                String in = write(name, w, idType, f32);
                long groups = rowGroups(in);
                String idCol = idType == null ? null : "id";
                InputTable direct = InputTable.load(spark, in, cfg(in, idCol), "input");
                InputTable sql = viaSpark(() -> InputTable.load(spark, in, cfg(in, idCol), "input"));
                try {
                    assertEquals(InputScan.TASKS, direct.route(), name);
                    assertEquals(InputScan.SPARK, sql.route(), name);
                    assertEquals(groups, direct.runs(), name);
                    assertWritten(w, idType, direct);
                    assertSameTable(sql, direct);
                } finally {
                    direct.release();
                    sql.release();
                }
            }
        }
    }

    /** The UserError of loading {@code in}, by both routes: the same message, which names {@code want}. */
    static void sameError(String in, String idCol, String want) {
        UserError direct = assertThrows(UserError.class, () -> InputTable.load(spark, in, cfg(in, idCol), "input"));
        UserError sql = assertThrows(UserError.class, () -> viaSpark(() -> InputTable.load(spark, in, cfg(in, idCol), "input")));
        assertEquals(sql.getMessage(), direct.getMessage());
        assertTrue(direct.getMessage().contains(want), direct.getMessage() + " should contain " + want);
    }

    @Test
    void sameErrorsAsSparkSql() throws Exception {
        int n = Arrays.stream(SIZES).sum();
        for (boolean f32 : new boolean[] {false, true}) {
            String t = f32 ? "-float" : "-double";
            Written w = rows(n, DataTypes.StringType, f32, 11);
            w.x().set(150, null);
            w.x().set(200, null);
            sameError(write("null-array" + t, w, DataTypes.StringType, f32), "id", "row id 'row-150'");

            w = rows(n, DataTypes.StringType, f32, 12);
            w.x().get(100)[3] = null;
            w.x().get(101)[1] = null;
            sameError(write("null-element" + t, w, DataTypes.StringType, f32), "id", "features[3] is null");

            w = rows(n, null, f32, 13);
            w.x().get(222)[2] = Double.NaN;
            sameError(write("nan" + t, w, null, f32), null, "row 222");

            w = rows(n, DataTypes.LongType, f32, 14);
            w.x().set(95, Arrays.copyOf(w.x().get(95), D - 1));
            sameError(write("short" + t, w, DataTypes.LongType, f32), "id", "95");
        }
        Written w = rows(n, DataTypes.IntegerType, false, 15);
        w.ids().set(250, w.ids().get(40));
        sameError(write("duplicate", w, DataTypes.IntegerType, false), "id", "input rows 40 and 250");

        w = rows(n, DataTypes.StringType, false, 16);
        w.ids().set(60, null);
        sameError(write("null-id", w, DataTypes.StringType, false), "id", "60");

        // a bad row and a good one in the same table: the row's problem is kept, the same in both routes
        w = rows(n, DataTypes.StringType, false, 17);
        w.x().get(7)[0] = Double.POSITIVE_INFINITY;
        sameError(write("inf", w, DataTypes.StringType, false), "id", "row id 'row-7'");
    }

    @Test
    void prefetchedRowsAreTheRowsAndAreDroppedOnRelease() throws Exception {
        int n = Arrays.stream(SIZES).sum();
        Written w = rows(n, DataTypes.StringType, true, 21);
        String in = write("prefetch", w, DataTypes.StringType, true);
        finished(InputTable.prefetch(CONF, in, cfg(in, "id")));
        InputTable pre = InputTable.load(spark, in, cfg(in, "id"), "input");
        InputTable sql = viaSpark(() -> InputTable.load(spark, in, cfg(in, "id"), "input"));
        try {
            assertEquals(InputScan.PREFETCHED, pre.route());
            assertEquals(rowGroups(in), pre.runs());
            assertWritten(w, DataTypes.StringType, pre);
            assertSameTable(sql, pre);
        } finally {
            sql.release();
        }
        pre.release();
        assertThrows(Exception.class, () -> pre.rows().count(), "the prefetched rows are dropped on release");
        // taken once: the next load reads by tasks
        InputTable again = InputTable.load(spark, in, cfg(in, "id"), "input");
        assertEquals(InputScan.TASKS, again.route());
        again.release();
        // a prefetch of other columns (no id) is not taken by a load with --id-col
        finished(InputTable.prefetch(CONF, in, cfg(in, null)));
        InputTable withId = InputTable.load(spark, in, cfg(in, "id"), "input");
        assertEquals(InputScan.TASKS, withId.route());
        withId.release();
        InputTable noId = InputTable.load(spark, in, cfg(in, null), "input");
        assertEquals(InputScan.PREFETCHED, noId.route());
        assertWritten(w, null, noId);
        noId.release();
    }

    @Test
    void prefetchOfFilesChangedSinceIsIgnored() throws Exception {
        int n = Arrays.stream(SIZES).sum();
        Written before = rows(n, DataTypes.LongType, false, 31);
        String in = write("changed", before, DataTypes.LongType, false);
        finished(InputTable.prefetch(CONF, in, cfg(in, "id")));
        // rewrite the middle file with other rows (same count), as a job rewriting its output would
        Written after = rows(n, DataTypes.LongType, false, 32);
        Path mid = Path.of(in, "file-1.parquet");
        FileTime old = Files.getLastModifiedTime(mid);
        write("changed-new", after, DataTypes.LongType, false);
        Files.copy(tmp.resolve("changed-new").resolve("file-1.parquet"), mid, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(mid, FileTime.fromMillis(old.toMillis() + 2000));
        Written want = new Written(new ArrayList<>(before.ids()), new ArrayList<>(before.x()));
        for (int i = SIZES[0]; i < SIZES[0] + SIZES[1]; i++) {
            want.ids().set(i, after.ids().get(i));
            want.x().set(i, after.x().get(i));
        }
        InputTable t = InputTable.load(spark, in, cfg(in, "id"), "input");
        try {
            assertEquals(InputScan.TASKS, t.route(), "the prefetch read other files");
            assertWritten(want, DataTypes.LongType, t);
        } finally {
            t.release();
        }
    }

    @Test
    void prefetchStandsAsideForWhatItDoesNotRead() throws Exception {
        assertNull(InputTable.prefetch(CONF, "hdfs://nowhere:9000/x", cfg("hdfs://nowhere:9000/x", null)), "remote file system");
        String cols = tmp.resolve("cols").toString();
        spark.sql("SELECT id, CAST(id AS DOUBLE) AS a FROM range(5)").write().parquet(cols);
        assertNull(InputTable.prefetch(CONF, cols, InputConfig.of(cols, null, null, "a", null, null)), "--features-cols");
        System.setProperty("ntk.read", "spark");
        try {
            assertNull(InputTable.prefetch(CONF, cols, cfg(cols, null)), "-Dntk.read=spark");
        } finally {
            System.clearProperty("ntk.read");
        }
        String arrays = tmp.resolve("arrays").toString();
        spark.sql("SELECT id, array(CAST(id AS DOUBLE)) AS features FROM range(5)").write().parquet(arrays);
        System.setProperty("ntk.prefetch", "false");
        try {
            assertNull(InputTable.prefetch(CONF, arrays, cfg(arrays, null)), "-Dntk.prefetch=false");
        } finally {
            System.clearProperty("ntk.prefetch");
        }
        finished(InputTable.prefetch(CONF, arrays, cfg(arrays, null))); // the same input is prefetched without the property
        InputTable t = InputTable.load(spark, arrays, cfg(arrays, null), "input");
        assertEquals(InputScan.PREFETCHED, t.route());
        t.release();
        // a dropped prefetch is not taken; awaitAll returns once the started ones are read
        InputTable.prefetch(CONF, arrays, cfg(arrays, null));
        Prefetch.awaitAll();
        InputScan.dropPrefetches();
        InputTable dropped = InputTable.load(spark, arrays, cfg(arrays, null), "input");
        assertEquals(InputScan.TASKS, dropped.route());
        dropped.release();
    }

    /**
     * Row groups read by several threads at once (as tasks read them) decode correctly: each group
     * keeps its own decompressors until it is closed (Hadoop's CodecPool shares them between readers).
     */
    @Test
    void concurrentReadsOfCompressedRowGroups() throws Exception {
        int n = 6000;
        int d = 64;
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType, true), true);
        double[][] x = SparkTestSupport.gaussian(n, d, 51);
        List<Row> rows = new ArrayList<>();
        for (double[] v : x) {
            rows.add(RowFactory.create(SparkTestSupport.boxed(v)));
        }
        Path dir = Files.createDirectories(tmp.resolve("snappy"));
        Path out = tmp.resolve("snappy-w");
        spark.createDataFrame(rows, schema).coalesce(1).write().option("compression", "snappy")
                .option("parquet.block.size", "400000").parquet(out.toString());
        try (Stream<Path> st = Files.list(out)) {
            Files.move(st.filter(q -> q.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow(),
                    dir.resolve("a.parquet"));
        }
        InputFooters footers = InputFooters.read(CONF, dir.toString());
        List<ParquetScan.Split> splits = ParquetScan.splits(footers);
        assertTrue(splits.size() >= 4, "several row groups: " + splits.size());
        InputScan.Columns c = InputScan.columns(footers, "features", DataTypes.createArrayType(DataTypes.DoubleType), null, null);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int shift = t;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int rep = 0; rep < 8; rep++) {
                        for (int k = 0; k < splits.size(); k++) {
                            ParquetScan.Split sp = splits.get((k + shift + rep) % splits.size());
                            for (InputRow r : InputScan.read(CONF, sp, c)) {
                                assertArrayEquals(x[(int) r.index()], r.x(), 0.0, "row " + r.index());
                                checked++;
                            }
                        }
                    }
                    return checked;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : done) {
                assertEquals(8 * n, (int) f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void gramTilesAreBitIdenticalBetweenRoutes() throws Exception {
        int n = Arrays.stream(SIZES).sum();
        Written w = rows(n, DataTypes.StringType, false, 41);
        String in = write("tiles", w, DataTypes.StringType, false);
        Path direct = tmp.resolve("tiles-direct");
        Path sql = tmp.resolve("tiles-sql");
        String[] common = {"gram", "--input", in, "--id-col", "id", "--block-size", "64", "--depth", "2", "--kernels", "ntk,nngp"};
        List<String> a = new ArrayList<>(List.of(common));
        a.addAll(List.of("--output", direct.toString()));
        assertEquals(0, SparkTestSupport.cli(a.toArray(new String[0])).code());
        List<String> b = new ArrayList<>(List.of(common));
        b.addAll(List.of("--output", sql.toString()));
        assertEquals(0, (int) viaSpark(() -> SparkTestSupport.cli(b.toArray(new String[0])).code()));
        List<Path> tilesA = SparkTestSupport.tileFiles(direct);
        List<Path> tilesB = SparkTestSupport.tileFiles(sql);
        assertEquals(tilesA.stream().map(Path::getFileName).toList(), tilesB.stream().map(Path::getFileName).toList());
        assertEquals(15, tilesA.size(), "290 rows in blocks of 64: 5 blocks, 15 tiles of the upper triangle");
        for (int i = 0; i < tilesA.size(); i++) {
            assertArrayEquals(Files.readAllBytes(tilesA.get(i)), Files.readAllBytes(tilesB.get(i)), tilesA.get(i).toString());
        }
        for (String kernel : List.of("ntk", "nngp")) {
            double[][] ka = org.sparkntk.io.TileStore.dense(CONF, direct.toString(), kernel, 2);
            double[][] kb = org.sparkntk.io.TileStore.dense(CONF, sql.toString(), kernel, 2);
            for (int i = 0; i < n; i++) {
                assertArrayEquals(Arrays.stream(kb[i]).mapToLong(Double::doubleToRawLongBits).toArray(),
                        Arrays.stream(ka[i]).mapToLong(Double::doubleToRawLongBits).toArray(), kernel + " row " + i);
            }
        }
        List<Row> ia = spark.read().parquet(direct.resolve("index").toString()).orderBy("row").collectAsList();
        List<Row> ib = spark.read().parquet(sql.resolve("index").toString()).orderBy("row").collectAsList();
        assertEquals(ib, ia);
        for (int i = 0; i < n; i++) {
            assertEquals(w.ids().get(i), ia.get(i).get(1));
        }
    }
}
