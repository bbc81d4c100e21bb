package org.sparkntk.gram;

import org.sparkntk.truth.Specs;

import org.sparkntk.tile.Rows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.io.TileStore;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.Tiles;

/**
 * Every feature representation gives the kernel of the same numbers: array&lt;double&gt;,
 * array&lt;float&gt;, ML vectors (dense and sparse), numeric columns; normalization; input order
 * across several files is (file name, row in file), whatever the file sizes.
 */
class InputFormsTest {

    static final int N = 40;
    static final int D = 5;

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static double[][] x;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSupport.session();
        x = SparkTestSupport.gaussian(N, D, 3);
        for (int i = 0; i < N; i += 3) {
            x[i][1] = 0; // zeros, so the sparse vectors are really sparse
            x[i][3] = 0;
        }
        for (int i = 0; i < N; i++) {
            x[i][4] = (float) x[i][4]; // exactly representable in float too
            for (int k = 0; k < D; k++) {
                x[i][k] = (float) x[i][k];
            }
        }
    }

    static double[][] reference(double[][] rows, String activation, int depth) {
        int n = rows.length;
        double[] f = new double[n * D];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, f, i * D, D);
        }
        double[][] k = {new double[n * n]};
        Tiles.compute(Specs.of(new NetworkSpec(depth, Activations.parse(activation), 1.0, 0.0), new int[] {depth}, k, null), new Rows(f, n, D),
                new Rows(f, n, D), true, k, null);
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(k[0], i * n, out[i], 0, n);
        }
        return out;
    }

    static double[][] gram(String in, String name, String... extra) throws Exception {
        String out = tmp.resolve(name).toString();
        List<String> args = new ArrayList<>(List.of("gram", "--input", in, "--output", out, "--block-size", "16", "--depth", "2",
                "--kernels", "ntk"));
        args.addAll(List.of(extra));
        var r = SparkTestSupport.cli(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        return TileStore.dense(new Configuration(), out, "ntk", 2);
    }

    static void assertMatrix(double[][] want, double[][] got) {
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[i][j], got[i][j], 1e-12 * Math.max(1, Math.abs(want[i][j])), "(" + i + "," + j + ")");
            }
        }
    }

    @Test
    void vectorsFloatsAndColumnsAgree() throws Exception {
        double[][] want = reference(x, "relu", 2);
        StructType vs = new StructType().add("id", DataTypes.LongType).add("features", new VectorUDT());
        List<Row> vrows = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            vrows.add(RowFactory.create((long) i, i % 2 == 0 ? Vectors.dense(x[i]) : Vectors.dense(x[i]).toSparse()));
        }
        String vin = tmp.resolve("vec").toString();
        spark.createDataFrame(vrows, vs).coalesce(1).write().parquet(vin);
        assertMatrix(want, gram(vin, "vec-out"));

        StructType fs = new StructType().add("id", DataTypes.LongType).add("f", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> frows = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            List<Float> l = new ArrayList<>();
            for (double v : x[i]) {
                l.add((float) v);
            }
            frows.add(RowFactory.create((long) i, l));
        }
        String fin = tmp.resolve("float").toString();
        spark.createDataFrame(frows, fs).coalesce(1).write().parquet(fin);
        assertMatrix(want, gram(fin, "float-out", "--features-col", "f"));

        StructType cs = new StructType().add("a", DataTypes.DoubleType).add("b", DataTypes.FloatType)
                .add("c", DataTypes.DoubleType).add("label", DataTypes.StringType).add("d", DataTypes.DoubleType)
                .add("e", DataTypes.DoubleType);
        List<Row> crows = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            crows.add(RowFactory.create(x[i][0], (float) x[i][1], x[i][2], "y" + i, x[i][3], x[i][4]));
        }
        String cin = tmp.resolve("cols").toString();
        spark.createDataFrame(crows, cs).coalesce(1).write().parquet(cin);
        assertMatrix(want, gram(cin, "cols-out", "--features-cols", "a,b,c,d,e", "--id-col", "label"));
    }

    @Test
    void normalization() throws Exception {
        String in = tmp.resolve("norm").toString();
        List<Object> ids = new ArrayList<>();
        double[][] y = new double[N][];
        for (int i = 0; i < N; i++) {
            ids.add("r" + i);
            y[i] = x[i].clone();
            y[i][2] = 7.0; // a constant column
        }
        SparkTestSupport.write(spark, in, ids, DataTypes.StringType, y);
        double[][] l2 = new double[N][D];
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (double v : y[i]) {
                s += v * v;
            }
            for (int k = 0; k < D; k++) {
                l2[i][k] = y[i][k] / Math.sqrt(s);
            }
        }
        assertMatrix(reference(l2, "relu", 2), gram(in, "l2-out", "--normalize", "l2"));
        double[][] st = new double[N][D];
        for (int k = 0; k < D; k++) {
            double m = 0;
            for (int i = 0; i < N; i++) {
                m += y[i][k];
            }
            m /= N;
            double v = 0;
            for (int i = 0; i < N; i++) {
                v += (y[i][k] - m) * (y[i][k] - m);
            }
            double sd = Math.sqrt(v / N);
            for (int i = 0; i < N; i++) {
                st[i][k] = sd > 0 ? (y[i][k] - m) / sd : 0; // the constant column becomes 0
            }
        }
        double[][] want = reference(st, "relu", 2);
        double[][] got = gram(in, "std-out", "--normalize", "standardize");
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(want[i][j], got[i][j], 1e-9 * Math.max(1, Math.abs(want[i][j])));
            }
        }
    }

    @Test
    void inputOrderIsFileNameThenRowAcrossFiles() throws Exception {
        // three files named in order f0 < f1 < f2, the last one much larger (Spark would read it first)
        Path dir = Files.createDirectories(tmp.resolve("multi"));
        int[] sizes = {5, 7, 28};
        int next = 0;
        for (int f = 0; f < 3; f++) {
            List<Object> ids = new ArrayList<>();
            double[][] part = new double[sizes[f]][];
            for (int i = 0; i < sizes[f]; i++) {
                ids.add((long) (next + i));
                part[i] = x[next + i];
            }
            next += sizes[f];
            Path one = tmp.resolve("multi-tmp-" + f);
            SparkTestSupport.write(spark, one.toString(), ids, DataTypes.LongType, part);
            try (Stream<Path> s = Files.list(one)) {
                Path pq = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
                Files.move(pq, dir.resolve("f" + f + ".parquet"));
            }
        }
        String out = tmp.resolve("multi-out").toString();
        var r = SparkTestSupport.cli("gram", "--input", dir.toString(), "--output", out, "--block-size", "16", "--depth", "2",
                "--kernels", "ntk", "--id-col", "id", "--conf", "spark.sql.files.maxPartitionBytes=2000");
        spark.conf().unset("spark.sql.files.maxPartitionBytes"); // --conf spark.sql.* reached the shared session
        assertEquals(0, r.code(), r.err());
        List<Row> index = spark.read().parquet(out + "/index").orderBy("row").collectAsList();
        for (int i = 0; i < N; i++) {
            assertEquals((long) i, index.get(i).getLong(1), "row " + i);
        }
        assertMatrix(reference(x, "relu", 2), TileStore.dense(new Configuration(), out, "ntk", 2));
        // a glob is opened by Spark (schema inference, per-file counts from a pass over the scan):
        // the same order and kernel
        String globOut = tmp.resolve("multi-glob-out").toString();
        var g = SparkTestSupport.cli("gram", "--input", dir + "/f*.parquet", "--output", globOut, "--block-size", "16", "--depth",
                "2", "--kernels", "ntk", "--id-col", "id");
        assertEquals(0, g.code(), g.err());
        List<Row> globIndex = spark.read().parquet(globOut + "/index").orderBy("row").collectAsList();
        for (int i = 0; i < N; i++) {
            assertEquals((long) i, globIndex.get(i).getLong(1), "row " + i);
        }
        assertMatrix(reference(x, "relu", 2), TileStore.dense(new Configuration(), globOut, "ntk", 2));
    }

    @Test
    void manySmallFilesKeepInputOrderWithAndWithoutTheStagingShuffle() throws Exception {
        // 40 one-row files (f00 .. f39): Spark packs them into 2 partitions in its own order, so a
        // partition holds several runs of consecutive rows; staged as one segment per run (default)
        // and through the shuffle by block (-Dntk.stage.shuffle=true, what many tiny files get)
        Path dir = Files.createDirectories(tmp.resolve("small-files"));
        for (int i = 0; i < N; i++) {
            Path one = tmp.resolve("small-tmp-" + i);
            SparkTestSupport.write(spark, one.toString(), List.of((long) i), DataTypes.LongType, new double[][] {x[i]});
            try (Stream<Path> s = Files.list(one)) {
                Path pq = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
                Files.move(pq, dir.resolve(String.format("f%02d.parquet", i)));
            }
        }
        double[][] unit = new double[N][];
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (double v : x[i]) {
                s += v * v;
            }
            unit[i] = new double[D];
            for (int k = 0; k < D; k++) {
                unit[i][k] = x[i][k] / Math.sqrt(s);
            }
        }
        for (boolean shuffle : new boolean[] {false, true}) {
            String out = tmp.resolve("small-files-out-" + shuffle).toString();
            System.setProperty("ntk.stage.shuffle", String.valueOf(shuffle));
            try {
                var r = SparkTestSupport.cli("gram", "--input", dir.toString(), "--output", out, "--block-size", "16", "--depth", "2",
                        "--kernels", "ntk", "--id-col", "id", "--normalize", "l2");
                assertEquals(0, r.code(), r.err());
            } finally {
                System.clearProperty("ntk.stage.shuffle");
            }
            List<Row> index = spark.read().parquet(out + "/index").orderBy("row").collectAsList();
            assertEquals(N, index.size());
            for (int i = 0; i < N; i++) {
                assertEquals((long) i, index.get(i).getLong(1), "row " + i);
            }
            assertMatrix(reference(unit, "relu", 2), TileStore.dense(new Configuration(), out, "ntk", 2));
        }
    }
}
