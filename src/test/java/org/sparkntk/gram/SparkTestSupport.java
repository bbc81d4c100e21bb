package org.sparkntk.gram;

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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.cli.Main;

/** Shared helpers for Spark tests: one local[2] session per test class, data writers, CLI runner. */
final class SparkTestSupport {

    private SparkTestSupport() {
    }

    static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("spark-ntk-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }

    /** Gaussian rows. */
    static double[][] gaussian(int n, int d, long seed) {
        Random r = new Random(seed);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int k = 0; k < d; k++) {
                row[k] = r.nextGaussian();
            }
        }
        return x;
    }

    /** Writes one Parquet file (rows in the given order) with columns id (idType) and features array<double>. */
    static void write(SparkSession spark, String path, List<Object> ids, DataType idType, double[][] x) {
        StructType schema = new StructType().add("id", idType, true)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, true), true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            rows.add(RowFactory.create(ids.get(i), x[i] == null ? null : boxed(x[i])));
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
    }

    static List<Double> boxed(double[] v) {
        List<Double> l = new ArrayList<>();
        for (double d : v) {
            l.add(d);
        }
        return l;
    }

    /** The result of a CLI run. */
    record Run(int code, String err, String out) {
    }

    /** Runs {@code ntk args...} in this JVM, capturing stderr and stdout. */
    static synchronized Run cli(String... args) {
        StringWriter sw = new StringWriter();
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(new PrintWriter(sw, true), args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        old.print(out);
        System.err.print(sw);
        return new Run(code, sw.toString(), out);
    }

    /** Tile files under OUT/tiles (none when absent). */
    static List<Path> tileFiles(Path out) throws IOException {
        Path t = out.resolve("tiles");
        if (!Files.isDirectory(t)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(t)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
    }
}
