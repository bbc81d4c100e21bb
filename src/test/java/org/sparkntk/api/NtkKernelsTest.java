package org.sparkntk.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.cli.Main;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.TileStore;
import org.sparkntk.spec.UserError;

/**
 * The Java kernel API on Spark local[2] against independent truths: the {@code ntk gram} command
 * on the same data written to Parquet (entry by entry, exactly, and file by file), the ReLU
 * arc-cosine closed form (docs/ntk-math.md) for a cross kernel, the CLI's messages for bad specs,
 * and a bad row refused before any tile exists.
 */
class NtkKernelsTest {

    static final int N = 230;
    static final int D = 7;
    static final int B = 64; // 4 blocks, the last ragged (38 rows)
    static final double SW = 1.3;
    static final double BETA = 0.2;

    @TempDir
    static Path tmp;
    static Path work;
    static SparkSession spark;
    static StructType schema = new StructType().add("id", DataTypes.LongType, true)
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType, true), true);

    @BeforeAll
    static void start() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("spark-ntk-api-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        work = Files.createDirectories(tmp.resolve("ntk-temp"));
        spark.conf().set(NtkKernels.TEMP_DIR_CONF, work.toString());
    }

    @AfterAll
    static void stop() {
        spark.conf().unset(NtkKernels.TEMP_DIR_CONF);
    }

    /** Rows with N(0, 1) features and distinct ids idBase + (37 i mod n) (37 is prime to every n used here), scrambled. */
    static List<Row> rows(int n, long seed, long idBase) {
        Random r = new Random(seed);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Double> x = new ArrayList<>();
            for (int k = 0; k < D; k++) {
                x.add(r.nextGaussian());
            }
            out.add(RowFactory.create(idBase + (i * 37L) % n, x));
        }
        return out;
    }

    /** A Dataset that is not a plain Parquet scan: local rows (two partitions in local[2]), in list order. */
    static Dataset<Row> dataset(List<Row> rows) {
        return spark.createDataFrame(rows, schema);
    }

    static NtkSpec spec() {
        return NtkSpec.builder().activation("relu").depths(1, 3).weightStd(SW).biasStd(BETA).blockSize(B).idCol("id").build();
    }

    /** Runs {@code ntk args...} in this JVM; returns the exit code and stderr. */
    static String[] cli(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(err, true), args);
        return new String[] {Integer.toString(code), err.toString()};
    }

    /** Files of a folder, relative paths, skipping nothing (checksums included). */
    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    /** id -> matrix row, from OUT/index (or index2). */
    static Map<Object, Integer> index(String out, String name) {
        Map<Object, Integer> m = new HashMap<>();
        for (Row r : spark.read().parquet(out + "/" + name).collectAsList()) {
            m.put(r.get(1), (int) r.getLong(0));
        }
        return m;
    }

    @Test
    void gramOfADatasetEqualsTheCommandOnTheSameParquet() throws Exception {
        List<Row> data = rows(N, 11, 1000);
        Dataset<Row> ds = dataset(data);
        assertNull(NtkKernels.plainParquetPath(ds), "a Dataset of local rows is copied, not read in place");
        String parquet = tmp.resolve("same.parquet").toString();
        ds.write().parquet(parquet);
        String cliOut = tmp.resolve("cli-out").toString();
        String[] r = cli("gram", "--input", parquet, "--output", cliOut, "--id-col", "id", "--activation", "relu",
                "--depths", "1,3", "--weight-std", Double.toString(SW), "--bias-std", Double.toString(BETA), "--block-size",
                Integer.toString(B));
        assertEquals("0", r[0], r[1]);

        Configuration conf = spark.sparkContext().hadoopConfiguration();
        String written = tmp.resolve("api-out").toString();
        try (KernelResult k = NtkKernels.of(spec()).gram(ds)) {
            assertTrue(k.isTemporary());
            assertTrue(k.path().startsWith(work.toUri().toString().replace("file:///", "file:/")), k.path());
            assertEquals(N, k.n());
            assertEquals(D, k.d());
            assertEquals(10, k.manifest().tilePairs()); // 4 x 5 / 2 upper tiles
            assertTrue(k.summary().summary().contains("tiles:    10 (4 x 4 blocks of 64; 10 computed now"), k.summary().summary());
            try (Stream<Path> s = Files.list(Path.of(java.net.URI.create(k.path())).getParent())) {
                assertEquals(List.of("kernel"), s.map(p -> p.getFileName().toString()).toList(), "the input copy is deleted");
            }

            // every entry, matched by id, equal to the command's bit for bit
            Map<Object, Integer> ia = index(k.path(), "index");
            Map<Object, Integer> ic = index(cliOut, "index");
            assertEquals(ic.keySet(), ia.keySet());
            for (String kernel : List.of("ntk", "nngp")) {
                for (int depth : new int[] {1, 3}) {
                    double[][] a = TileStore.dense(conf, k.path(), kernel, depth);
                    double[][] c = TileStore.dense(conf, cliOut, kernel, depth);
                    for (Object id1 : ic.keySet()) {
                        for (Object id2 : ic.keySet()) {
                            assertEquals(c[ic.get(id1)][ic.get(id2)], a[ia.get(id1)][ia.get(id2)], 0.0,
                                    () -> kernel + " depth " + depth + " at ids " + id1 + ", " + id2);
                        }
                    }
                }
            }

            // tiles() in the documented format, blockMatrix() entries equal to the tiles
            Dataset<Row> tiles = k.tiles();
            assertEquals(List.of("kernel", "depth", "block_row", "block_col", "row_start", "col_start", "num_rows", "num_cols",
                    "values"), List.of(tiles.columns()));
            assertEquals(40, tiles.count()); // 10 tiles x 2 kernels x 2 depths
            double[][] dense = TileStore.dense(conf, k.path(), "ntk", 3);
            Row t = tiles.where("kernel = 'ntk' AND depth = 3 AND block_row = 1 AND block_col = 3").first();
            List<Double> values = t.getList(8);
            int nc = t.getInt(7);
            assertEquals(38, nc);
            for (int p = 0; p < values.size(); p += 97) {
                assertEquals(dense[64 + p / nc][192 + p % nc], values.get(p), 0.0);
            }
            Matrix bm = k.blockMatrix("ntk", 3).toLocalMatrix();
            assertEquals(N, bm.numRows());
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < N; j++) {
                    assertEquals(dense[i][j], bm.apply(i, j), 0.0);
                }
            }

            // write(): the command's files, kernel.json last; the temporary folder is gone
            String tempPath = k.path();
            k.write(written);
            assertFalse(k.isTemporary());
            assertFalse(Files.exists(Path.of(java.net.URI.create(tempPath))), tempPath);
            assertEquals(files(Path.of(cliOut)), files(Path.of(written)));
            assertKernelJsonLast(Path.of(written));
            assertArrayEquals(TileStore.dense(conf, cliOut, "nngp", 1)[5], TileStore.dense(conf, written, "nngp", 1)[5]);
            UserError e = assertThrows(UserError.class, () -> k.write(cliOut));
            assertEquals("output '" + cliOut + "' exists; pass overwrite = true to replace it", e.getMessage());
        }
        assertTrue(Files.exists(Path.of(written, "kernel.json")), "close() keeps a written result");
        try (Stream<Path> s = Files.list(work)) {
            assertEquals(List.of(), s.toList(), "no temporary folder left");
        }

        // a result computed into its own folder is copied by write(): the same files again
        String own = tmp.resolve("api-own").toString();
        String copied = tmp.resolve("api-copied").toString();
        try (KernelResult k = NtkKernels.of(spec()).output(own).gram(spark.read().parquet(parquet))) {
            assertFalse(k.isTemporary());
            assertEquals(parquet, new org.apache.hadoop.fs.Path(k.manifest().input().path()).toUri().getPath(),
                    "a plain Parquet scan is read in place");
            k.write(copied);
        }
        assertEquals(files(Path.of(cliOut)), files(Path.of(own)));
        assertEquals(files(Path.of(cliOut)), files(Path.of(copied)));
        assertKernelJsonLast(Path.of(copied));
        assertArrayEquals(TileStore.dense(conf, cliOut, "ntk", 3)[17], TileStore.dense(conf, copied, "ntk", 3)[17]);
    }

    static void assertKernelJsonLast(Path out) throws IOException {
        long kernelJson = Files.getLastModifiedTime(out.resolve(KernelManifest.KERNEL_JSON)).toMillis();
        try (Stream<Path> s = Files.walk(out)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                assertTrue(Files.getLastModifiedTime(p).toMillis() <= kernelJson, p + " is newer than kernel.json");
            }
        }
    }

    /** Cho and Saul's arc-cosine map for ReLU with the NTK recursion (docs/ntk-math.md), written out here. */
    static double[] reluClosedForm(double[] x, double[] y, int depth) {
        double dot = 0;
        double qx = 0;
        double qy = 0;
        for (int k = 0; k < D; k++) {
            dot += x[k] * y[k];
            qx += x[k] * x[k];
            qy += y[k] * y[k];
        }
        double s = SW * SW * dot / D + BETA * BETA;
        double q1 = SW * SW * qx / D + BETA * BETA;
        double q2 = SW * SW * qy / D + BETA * BETA;
        double theta = s;
        for (int l = 1; l < depth; l++) {
            double c = Math.max(-1, Math.min(1, s / Math.sqrt(q1 * q2)));
            double angle = Math.acos(c);
            double next = SW * SW * Math.sqrt(q1 * q2) / (2 * Math.PI) * (Math.sin(angle) + (Math.PI - angle) * c) + BETA * BETA;
            double dotS = SW * SW * (Math.PI - angle) / (2 * Math.PI);
            q1 = SW * SW * q1 / 2 + BETA * BETA;
            q2 = SW * SW * q2 / 2 + BETA * BETA;
            theta = theta * dotS + next;
            s = next;
        }
        return new double[] {theta, s};
    }

    static double[] vector(Row r) {
        @SuppressWarnings("unchecked")
        List<Double> l = (List<Double>) r.get(1); // a row made here, holding the java List
        double[] v = new double[l.size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = l.get(k);
        }
        return v;
    }

    @Test
    void crossKernelMatchesTheClosedForm() throws Exception {
        List<Row> a = rows(90, 21, 0);
        List<Row> b = rows(70, 22, 500);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        NtkSpec s = NtkSpec.builder().depth(3).weightStd(SW).biasStd(BETA).blockSize(32).idCol("id").build();
        String out = tmp.resolve("cross-out").toString();
        try (KernelResult k = NtkKernels.of(s).output(out).cross(dataset(a), dataset(b).where("id >= 0"))) {
            assertFalse(k.isTemporary());
            try (Stream<Path> w = Files.list(work)) {
                assertEquals(List.of(), w.toList(), "the copies of both Datasets are deleted");
            }
            assertEquals(90, k.n());
            assertEquals(70L, k.manifest().n2());
            assertEquals(9, k.manifest().tilePairs()); // 3 x 3 blocks of 32
            Map<Object, Integer> rowsById = index(k.path(), "index");
            Map<Object, Integer> colsById = index(k.path(), "index2");
            double[][] ntk = TileStore.dense(conf, k.path(), "ntk", 3);
            double[][] nngp = TileStore.dense(conf, k.path(), "nngp", 3);
            Matrix bm = k.blockMatrix("nngp", 3).toLocalMatrix();
            assertEquals(70, bm.numCols());
            for (int i = 0; i < a.size(); i += 13) {
                for (int j = 0; j < b.size(); j += 11) {
                    double[] truth = reluClosedForm(vector(a.get(i)), vector(b.get(j)), 3);
                    int r = rowsById.get(a.get(i).get(0));
                    int c = colsById.get(b.get(j).get(0));
                    assertEquals(truth[0], ntk[r][c], 1e-10 * Math.abs(truth[0]), "ntk at " + i + ", " + j);
                    assertEquals(truth[1], nngp[r][c], 1e-10 * Math.abs(truth[1]), "nngp at " + i + ", " + j);
                    assertEquals(nngp[r][c], bm.apply(r, c), 0.0);
                }
            }
        }
        assertTrue(Files.exists(Path.of(out, "kernel.json")), "close() keeps a result computed into its own folder");
    }

    /** The message the command prints for the options (the first line of stderr without "error: "). */
    static String cliMessage(String... options) {
        List<String> args = new ArrayList<>(List.of("gram", "--input", tmp.resolve("never-read").toString(), "--output",
                tmp.resolve("never-written").toString()));
        args.addAll(List.of(options));
        String[] r = cli(args.toArray(new String[0]));
        assertEquals("2", r[0], r[1]);
        String first = r[1].lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: "), first);
        return first.substring("error: ".length());
    }

    static void sameMessage(Supplier<?> api, String... options) {
        UserError e = assertThrows(UserError.class, api::get);
        assertEquals(cliMessage(options), e.getMessage());
    }

    @Test
    void badSpecsThrowTheCommandsMessages() {
        sameMessage(() -> NtkSpec.builder().depth(0).build(), "--depth", "0");
        sameMessage(() -> NtkSpec.builder().depths(2, 0).build(), "--depths", "2,0");
        sameMessage(() -> NtkSpec.builder().depth(2).depths(3).build(), "--depth", "2", "--depths", "3");
        sameMessage(() -> NtkSpec.builder().activation("rleu").build(), "--activation", "rleu");
        sameMessage(() -> NtkSpec.builder().weightStd(-1).build(), "--weight-std", "-1");
        sameMessage(() -> NtkSpec.builder().biasStd(-0.5).build(), "--bias-std", "-0.5");
        sameMessage(() -> NtkSpec.builder().kernels("ntx").build(), "--kernels", "ntx");
        sameMessage(() -> NtkSpec.builder().precision("float16").build(), "--precision", "float16");
        sameMessage(() -> NtkSpec.builder().compute("float16").build(), "--compute", "float16");
        sameMessage(() -> NtkSpec.builder().blockSize(0).build(), "--block-size", "0");
        sameMessage(() -> NtkSpec.builder().normalize("l3").build(), "--normalize", "l3");
        sameMessage(() -> NtkSpec.builder().featuresCol("f").featuresCols("a", "b").build(),
                "--features-col", "f", "--features-cols", "a,b");
        sameMessage(() -> NtkSpec.builder().featuresCols("a", "a").build(), "--features-cols", "a,a");
        sameMessage(() -> NtkKernels.of(spec()).output(tmp.resolve("never-written").toString(), true, true),
                "--overwrite", "--resume");
        assertEquals("'depth' is 0 but must be in 1..100000", assertThrows(UserError.class,
                () -> NtkSpec.builder().depth(0).build()).getMessage(), "the message itself, not only agreement");
    }

    @Test
    void aBadRowFailsBeforeAnyTileNamingTheRow() throws Exception {
        List<Row> data = new ArrayList<>(rows(40, 31, 0));
        @SuppressWarnings("unchecked")
        List<Double> bad = new ArrayList<>((List<Double>) data.get(17).get(1));
        bad.set(4, Double.NaN);
        Object badId = data.get(17).get(0);
        data.set(17, RowFactory.create(badId, bad));
        Path out = tmp.resolve("nan-out");
        UserError e = assertThrows(UserError.class,
                () -> NtkKernels.of(spec()).output(out.toString()).gram(dataset(data)));
        assertEquals("row id " + badId + ": features[4] is NaN; features must be finite numbers", e.getMessage());
        assertFalse(Files.exists(out), "nothing written: " + out);

        // other bad inputs (into a temporary result): the command's messages, the input named as a Dataset
        List<Row> dup = new ArrayList<>(rows(40, 32, 0));
        dup.set(5, RowFactory.create(dup.get(9).get(0), dup.get(5).get(1)));
        e = assertThrows(UserError.class, () -> NtkKernels.of(spec()).gram(dataset(dup)));
        assertTrue(e.getMessage().startsWith("duplicate id " + dup.get(9).get(0) + " in column 'id': it appears 2 times"),
                e.getMessage());
        e = assertThrows(UserError.class, () -> NtkKernels.of(NtkSpec.builder().featuresCol("x").build()).gram(dataset(dup)));
        assertEquals("column 'x' (--features-col) not found in input Dataset; columns: id (bigint), features (array<double>)",
                e.getMessage());
        e = assertThrows(UserError.class, () -> NtkKernels.of(spec()).cross(dataset(dup), dataset(dup).drop("id")));
        assertTrue(e.getMessage().startsWith("column 'id' (--id-col) not found in input2 Dataset"), e.getMessage());
        try (Stream<Path> s = Files.list(work)) {
            assertEquals(List.of(), s.toList(), "no temporary copy or result left");
        }
    }
}
