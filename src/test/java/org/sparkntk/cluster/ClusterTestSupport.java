package org.sparkntk.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.cli.Main;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.TileStore;

/** Data, CLI and comparison helpers for the cluster and scheduling integration tests. */
public final class ClusterTestSupport {

    private ClusterTestSupport() {
    }

    /** The test JVM's own local session (reference runs, writing data, reading results). */
    public static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("spark-ntk-it")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }

    /**
     * Writes rows {@code from..from+n-1} of a fixed Gaussian data set (id bigint, features
     * array&lt;double&gt;) as ONE Parquet file {@code dir/name}; a row's values depend only on its id.
     */
    public static void writeRows(SparkSession spark, Path dir, String name, long from, int n, int d) throws IOException {
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        List<Row> rows = new ArrayList<>();
        for (long id = from; id < from + n; id++) {
            Random r = new Random(1000 + id);
            List<Double> x = new ArrayList<>();
            for (int k = 0; k < d; k++) {
                x.add(r.nextGaussian());
            }
            rows.add(RowFactory.create(id, x));
        }
        Path tmp = dir.resolveSibling(dir.getFileName() + "-tmp-" + name);
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(tmp.toString());
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(tmp)) {
            Path part = s.filter(p -> p.getFileName().toString().startsWith("part-") && p.toString().endsWith(".parquet"))
                    .findFirst().orElseThrow();
            Files.move(part, dir.resolve(name));
        }
        deleteTree(tmp);
    }

    /** Rows id, features, label = sin(x0) + x1 / 2 (a smooth target), as one Parquet folder. */
    public static void writeLabelled(SparkSession spark, Path dir, long from, int n, int d) {
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                .add("label", DataTypes.DoubleType, false);
        List<Row> rows = new ArrayList<>();
        for (long id = from; id < from + n; id++) {
            Random r = new Random(1000 + id);
            List<Double> x = new ArrayList<>();
            for (int k = 0; k < d; k++) {
                x.add(r.nextGaussian());
            }
            rows.add(RowFactory.create(id, x, Math.sin(x.get(0)) + x.get(1) / 2));
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toString());
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(q);
            }
        }
    }

    /** The result of an in-process CLI run. */
    public record Run(int code, String out, String err) {
    }

    /** Runs {@code ntk args...} in this JVM (the active local session), capturing stdout and stderr. */
    public static synchronized Run cli(String... args) {
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(new PrintWriter(err, true), args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        System.out.print(err);
        return new Run(code, out, err.toString());
    }

    /** Tile files present under their final names. */
    public static int tileFiles(Configuration conf, String out) throws IOException {
        return TileStore.listTiles(conf, out).size();
    }

    /** Both results hold the same tiles and bitwise-identical values for every stored kernel and depth. */
    public static void assertSameKernel(Configuration conf, String expected, String actual) throws IOException {
        KernelManifest a = KernelManifest.readKernel(conf, expected);
        KernelManifest b = KernelManifest.readKernel(conf, actual);
        assertEquals(a.n(), b.n(), "N");
        assertEquals(a.tilePairs(), b.tilePairs(), "tile count");
        assertEquals(a.blockSize(), b.blockSize(), "block size");
        List<String> ta = TileStore.listTiles(conf, expected).stream().map(ij -> ij[0] + "," + ij[1]).toList();
        List<String> tb = TileStore.listTiles(conf, actual).stream().map(ij -> ij[0] + "," + ij[1]).toList();
        assertEquals(ta, tb, "tile files");
        for (String k : a.kernels()) {
            for (int depth : a.depths()) {
                double[][] x = TileStore.dense(conf, expected, k, depth);
                double[][] y = TileStore.dense(conf, actual, k, depth);
                for (int i = 0; i < x.length; i++) {
                    assertArrayEquals(x[i], y[i], 0.0, k + " depth " + depth + " row " + i);
                }
            }
        }
        assertEquals(ids(conf, expected), ids(conf, actual), "index/");
    }

    /** OUT/index as "row:id" strings in row order. */
    public static List<String> ids(Configuration conf, String out) {
        SparkSession s = session();
        return s.read().parquet(out + "/index").orderBy("row").collectAsList().stream()
                .map(r -> r.get(0) + ":" + r.get(1)).toList();
    }

    public static FileSystem fs(Configuration conf, String out) throws IOException {
        return new org.apache.hadoop.fs.Path(out).getFileSystem(conf);
    }
}
