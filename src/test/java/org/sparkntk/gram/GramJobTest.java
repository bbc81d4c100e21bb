package org.sparkntk.gram;

import org.sparkntk.truth.Specs;

import org.sparkntk.tile.Rows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.io.JobLabel;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.TileStore;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.Tiles;

/**
 * End-to-end gram on Spark local[2] with real Parquet files: N = 1000, d = 20, block size 128
 * (8 blocks, the last ragged with 104 rows) against the kernel core run on the whole matrix, and
 * depth 1 against the closed form; string ids in shuffled order; float32; a cross kernel; resume.
 */
class GramJobTest {

    static final int N = 1000;
    static final int D = 20;
    static final int B = 128;
    static final double SW = 1.3;
    static final double BETA = 0.2;

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static double[][] x;
    static List<Object> ids;
    static String in;

    @BeforeAll
    static void data() {
        spark = SparkTestSupport.session();
        x = SparkTestSupport.gaussian(N, D, 42);
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            perm.add(i);
        }
        Collections.shuffle(perm, new Random(7));
        ids = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            ids.add("id-" + perm.get(i)); // ids are not in sorted order, and not the row number
        }
        in = tmp.resolve("in").toString();
        SparkTestSupport.write(spark, in, ids, DataTypes.StringType, x);
    }

    static double[] flat(double[][] m) {
        int d = m[0].length;
        double[] f = new double[m.length * d];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, f, i * d, d);
        }
        return f;
    }

    static void assertClose(double want, double got, String where) {
        double tol = 1e-12 * Math.max(1, Math.abs(want));
        if (Math.abs(want - got) > tol) {
            throw new AssertionError(where + ": expected " + want + " but got " + got);
        }
    }

    @Test
    void gramMatchesKernelCoreAndClosedFormWithStringIds() throws Exception {
        String out = tmp.resolve("gram").toString();
        var r = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--id-col", "id", "--block-size", "128",
                "--depths", "1,3", "--weight-std", "1.3", "--bias-std", "0.2", "--master", "local[2]");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("spark-ntk gram: Gram N=1000 d=20"), r.out());
        assertTrue(r.out().contains("tiles:    36 (8 x 8 blocks of 128; 36 computed now, 0 were present)"), r.out());

        Configuration conf = spark.sparkContext().hadoopConfiguration();
        KernelManifest m = KernelManifest.readKernel(conf, out);
        assertEquals(N, m.n());
        assertEquals(D, m.d());
        assertEquals(B, m.blockSize());
        assertEquals(36, m.tilePairs());
        assertEquals(36L, m.tileCount());
        assertEquals(List.of(1, 3), m.depths());
        assertEquals(List.of("ntk", "nngp"), m.kernels());
        assertTrue(Files.exists(Path.of(out, "_plan.json")));
        assertFalse(Files.exists(Path.of(out, "_blocks")), "staged blocks are cleaned up");
        assertFalse(Files.exists(Path.of(out, "tiles", "_tmp")), "temporary tile folder is cleaned up");

        // one file per block pair I <= J
        Set<String> names = new HashSet<>();
        for (Path p : SparkTestSupport.tileFiles(Path.of(out))) {
            names.add(p.getFileName().toString());
        }
        Set<String> want = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            for (int j = i; j < 8; j++) {
                want.add(String.format("tile-r%05d-c%05d.parquet", i, j));
            }
        }
        assertEquals(want, names);

        // index: row -> id in input order, id type kept
        Dataset<Row> index = spark.read().parquet(out + "/index");
        assertEquals(DataTypes.LongType, index.schema().apply("row").dataType());
        assertEquals(DataTypes.StringType, index.schema().apply("id").dataType());
        Map<String, Long> rowOf = new HashMap<>();
        for (Row row : index.collectAsList()) {
            rowOf.put(row.getString(1), row.getLong(0));
        }
        assertEquals(N, rowOf.size());
        // the matrix rows, ordered by the index, from the id -> features map only
        Map<Object, double[]> byId = new HashMap<>();
        for (int i = 0; i < N; i++) {
            byId.put(ids.get(i), x[i]);
        }
        double[][] xr = new double[N][];
        for (Map.Entry<String, Long> e : rowOf.entrySet()) {
            xr[(int) (long) e.getValue()] = byId.get(e.getKey());
        }
        for (int i = 0; i < N; i++) {
            assertEquals(ids.get(i), idAt(rowOf, i), "row " + i + " is the i-th input row");
        }

        // the whole matrix from the kernel core in one call
        NetworkSpec spec = new NetworkSpec(3, Activations.parse("relu"), SW, BETA);
        double[] f = flat(xr);
        double[][] ntk = {new double[N * N], new double[N * N]};
        double[][] nngp = {new double[N * N], new double[N * N]};
        Tiles.compute(Specs.of(spec, new int[] {1, 3}, ntk, nngp), new Rows(f, N, D), new Rows(f, N, D), true, ntk, nngp);
        double[][] k3 = TileStore.dense(conf, out, "ntk", 3);
        double[][] g3 = TileStore.dense(conf, out, "nngp", 3);
        double[][] k1 = TileStore.dense(conf, out, "ntk", 1);
        double[][] g1 = TileStore.dense(conf, out, "nngp", 1);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertClose(ntk[1][i * N + j], k3[i][j], "ntk L=3 (" + i + "," + j + ")");
                assertClose(nngp[1][i * N + j], g3[i][j], "nngp L=3 (" + i + "," + j + ")");
                double dot = 0;
                for (int k = 0; k < D; k++) {
                    dot += xr[i][k] * xr[j][k];
                }
                double closed = SW * SW * dot / D + BETA * BETA; // ntk-math.md: Sigma(1) = Theta(1)
                assertEquals(closed, k1[i][j], 1e-12 * Math.max(1, Math.abs(closed)));
                assertEquals(closed, g1[i][j], 1e-12 * Math.max(1, Math.abs(closed)));
            }
        }

        // the tiles as Spark SQL sees them: the documented columns and types
        Dataset<Row> tiles = spark.read().parquet(out + "/tiles");
        StructType s = tiles.schema();
        assertEquals(List.of("kernel", "depth", "block_row", "block_col", "row_start", "col_start", "num_rows", "num_cols", "values"),
                List.of(s.fieldNames()));
        assertEquals("string", s.apply("kernel").dataType().simpleString());
        assertEquals("int", s.apply("depth").dataType().simpleString());
        assertEquals("bigint", s.apply("row_start").dataType().simpleString());
        assertEquals("array<double>", s.apply("values").dataType().simpleString());
        assertEquals(36 * 4, tiles.count());
        Row last = tiles.filter("kernel = 'ntk' AND depth = 3 AND block_row = 2 AND block_col = 7").first();
        assertEquals(256L, last.getLong(4));
        assertEquals(896L, last.getLong(5));
        assertEquals(104, last.getInt(7));
        List<Double> vals = last.getList(8);
        assertEquals(128 * 104, vals.size());
        assertClose(k3[256 + 5][896 + 9], vals.get(5 * 104 + 9), "Spark-read tile value");
        assertEquals(36, TileStore.readTiles(spark, out, "ntk", 3).count());
    }

    private static Object idAt(Map<String, Long> rowOf, int row) {
        for (Map.Entry<String, Long> e : rowOf.entrySet()) {
            if (e.getValue() == row) {
                return e.getKey();
            }
        }
        return null;
    }

    @Test
    void float32StorageRoundsTheFloat64Values() throws Exception {
        String out64 = tmp.resolve("f64").toString();
        String out32 = tmp.resolve("f32").toString();
        assertEquals(0, SparkTestSupport.cli("gram", "--input", in, "--output", out64, "--block-size", "128", "--depth", "2",
                "--kernels", "ntk").code());
        assertEquals(0, SparkTestSupport.cli("gram", "--input", in, "--output", out32, "--block-size", "128", "--depth", "2",
                "--kernels", "ntk", "--precision", "float32").code());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        double[][] a = TileStore.dense(conf, out64, "ntk", 2);
        double[][] b = TileStore.dense(conf, out32, "ntk", 2);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals((double) (float) a[i][j], b[i][j], 0.0);
            }
        }
        assertEquals("array<float>", spark.read().parquet(out32 + "/tiles").schema().apply("values").dataType().simpleString());
        assertEquals(36L, spark.read().parquet(out32 + "/tiles").count(), "one kernel, one depth: one row per tile");
        assertEquals("float32", KernelManifest.readKernel(conf, out32).precision());
        // without --id-col the id is the row number
        Dataset<Row> index = spark.read().parquet(out64 + "/index");
        assertEquals(DataTypes.LongType, index.schema().apply("id").dataType());
        assertEquals(0, index.filter("row <> id").count());
    }

    @Test
    void crossKernelAgainstKernelCore() throws Exception {
        int n2 = 300;
        double[][] y = SparkTestSupport.gaussian(n2, D, 9);
        List<Object> ids2 = new ArrayList<>();
        for (int i = 0; i < n2; i++) {
            ids2.add(1000 + 3 * i);
        }
        String in2 = tmp.resolve("in2").toString();
        SparkTestSupport.write(spark, in2, ids2, DataTypes.IntegerType, y);
        String out = tmp.resolve("cross").toString();
        var r = SparkTestSupport.cli("gram", "--input", in, "--input2", in2, "--id-col", "id", "--output", out, "--block-size", "128",
                "--activation", "erf", "--depth", "3", "--bias-std", "0.1");
        assertEquals(0, r.code(), r.err());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        KernelManifest m = KernelManifest.readKernel(conf, out);
        assertFalse(m.symmetric());
        assertEquals(300L, m.n2());
        assertEquals(8 * 3, m.tilePairs());
        assertEquals(24, SparkTestSupport.tileFiles(Path.of(out)).size());
        NetworkSpec spec = new NetworkSpec(3, Activations.parse("erf"), 1.0, 0.1);
        double[][] ntk = {new double[N * n2]};
        double[][] nngp = {new double[N * n2]};
        Tiles.compute(Specs.of(spec, new int[] {3}, ntk, nngp), new Rows(flat(x), N, D),
                new Rows(flat(y), n2, D), false, ntk, nngp);
        double[][] k = TileStore.dense(conf, out, "ntk", 3);
        double[][] g = TileStore.dense(conf, out, "nngp", 3);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < n2; j++) {
                assertClose(ntk[0][i * n2 + j], k[i][j], "cross ntk (" + i + "," + j + ")");
                assertClose(nngp[0][i * n2 + j], g[i][j], "cross nngp (" + i + "," + j + ")");
            }
        }
        Dataset<Row> index2 = spark.read().parquet(out + "/index2").orderBy("row");
        assertEquals(DataTypes.IntegerType, index2.schema().apply("id").dataType());
        assertEquals(1000 + 3 * 17, index2.collectAsList().get(17).getInt(1));
    }

    @Test
    void resumeRecomputesExactlyTheMissingTiles() throws Exception {
        String out = tmp.resolve("resume").toString();
        assertEquals(0, SparkTestSupport.cli("gram", "--input", in, "--output", out, "--block-size", "128", "--depth", "2").code());
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        double[][] before = TileStore.dense(conf, out, "ntk", 2);
        double[][] beforeG = TileStore.dense(conf, out, "nngp", 2);
        List<Path> files = SparkTestSupport.tileFiles(Path.of(out));
        assertEquals(36, files.size());
        // a crash after some tiles: kernel.json absent, three tiles never written
        Files.delete(Path.of(out, "kernel.json"));
        Files.delete(files.get(0));
        Files.delete(files.get(17));
        Files.delete(files.get(35));
        Map<Path, FileTime> kept = new HashMap<>();
        for (Path p : SparkTestSupport.tileFiles(Path.of(out))) {
            kept.put(p, Files.getLastModifiedTime(p));
        }
        // leftovers of the crashed run: a half-written temporary tile and staged blocks
        Files.createDirectories(Path.of(out, "tiles", "_tmp"));
        Files.writeString(Path.of(out, "tiles", "_tmp", "tile-r00000-c00000.parquet.dead"), "partial");
        Files.createDirectories(Path.of(out, "_blocks", "old-run"));
        Thread.sleep(20);

        var refused = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--block-size", "128", "--depth", "3", "--resume");
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("error: --resume refused: '" + out
                + "' was planned for a different computation: depths is [3] now but was [2]. Use --overwrite to start over"), refused.err());
        assertFalse(Files.exists(Path.of(out, "kernel.json")));

        var r = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--depth", "2", "--resume");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resume: 33 of 36 tiles already present, computing 3"), r.out());
        assertTrue(Files.exists(Path.of(out, "kernel.json")));
        assertFalse(Files.exists(Path.of(out, "tiles", "_tmp")), "temporary files of the crashed run are removed");
        assertFalse(Files.exists(Path.of(out, "_blocks")), "staged blocks of the crashed run are removed");
        for (Map.Entry<Path, FileTime> e : kept.entrySet()) {
            assertEquals(e.getValue(), Files.getLastModifiedTime(e.getKey()), e.getKey() + " was not rewritten");
        }
        double[][] after = TileStore.dense(conf, out, "ntk", 2);
        double[][] afterG = TileStore.dense(conf, out, "nngp", 2);
        for (int i = 0; i < N; i++) {
            assertArrayEquals(before[i], after[i], 0.0);
            assertArrayEquals(beforeG[i], afterG[i], 0.0);
        }
        var again = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--depth", "2", "--resume");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resume: 36 of 36 tiles already present, computing 0"), again.out());

        var exists = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--depth", "2");
        assertEquals(2, exists.code());
        assertTrue(exists.err().contains("error: output '" + out + "' exists; pass --overwrite to replace it or --resume to finish an interrupted run"),
                exists.err());
        var over = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--depth", "1", "--block-size", "500", "--overwrite");
        assertEquals(0, over.code(), over.err());
        assertEquals(3, SparkTestSupport.tileFiles(Path.of(out)).size());
        assertEquals(List.of(1), KernelManifest.readKernel(conf, out).depths());
    }

    /** The job-label helper: jobs run under the label, and the label before is back afterwards, also after a failure. */
    @Test
    void jobLabelIsSetForTheJobAndRestored() throws java.io.IOException {
        org.apache.spark.SparkContext sc = spark.sparkContext();
        org.apache.spark.api.java.JavaSparkContext jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(sc);
        sc.setJobDescription(null);
        String inside = JobLabel.call(sc, "outer", () -> {
            List<String> seen = JobLabel.call(sc, "inner", () -> jsc.parallelize(List.of(1, 2), 1)
                    .map(x -> org.apache.spark.TaskContext.get().getLocalProperty(JobLabel.DESCRIPTION)).collect());
            assertEquals(List.of("inner", "inner"), seen);
            return sc.getLocalProperty(JobLabel.DESCRIPTION);
        });
        assertEquals("outer", inside);
        assertEquals(null, sc.getLocalProperty(JobLabel.DESCRIPTION));
        sc.setJobDescription("before");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> JobLabel.run(sc, "failing", () -> {
                    throw new java.io.IOException("disk");
                }));
        assertEquals("disk", e.getMessage());
        assertEquals("before", sc.getLocalProperty(JobLabel.DESCRIPTION));
        sc.setJobDescription(null);
    }
}
