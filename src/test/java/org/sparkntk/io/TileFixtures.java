package org.sparkntk.io;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes gram output directories in the documented format (docs/format.md) for tests, with
 * parquet-hadoop's example Group writer (a different code path from gram's own tile writer and reader) and
 * kernel.json through {@link KernelManifest}.
 * Entry values come from {@link #value}, a closed form, so tests know every entry independently.
 */
final class TileFixtures {

    private TileFixtures() {
    }

    /** The fixture's (i, j) entry of kernel at depth: symmetric in (i, j) when {@code symmetric}. */
    static double value(String kernel, int depth, long i, long j, boolean symmetric) {
        double k = kernel.equals("ntk") ? 1.0 : 0.5;
        if (symmetric) {
            return k * depth + 1.0 / (1 + Math.abs(i - j)) + 1e-3 * (i + j) + 1e-7 * i * j;
        }
        return k * depth + 0.01 * i - 0.003 * j + 1e-5 * i * j;
    }

    /** The dense reference matrix (float32: rounded as the tiles store it). */
    static double[][] dense(String kernel, int depth, int n, int n2, boolean symmetric, boolean float32) {
        double[][] m = new double[n][n2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n2; j++) {
                double v = value(kernel, depth, i, j, symmetric);
                m[i][j] = float32 ? (float) v : v;
            }
        }
        return m;
    }

    /** Writes OUT with tiles, index (and index2) and, if {@code complete}, kernel.json. n2 = -1: symmetric Gram. */
    static void write(java.nio.file.Path out, int n, int n2, int b, List<String> kernels, List<Integer> depths,
                      boolean float32, boolean complete) throws IOException {
        boolean symmetric = n2 < 0;
        int cols = symmetric ? n : n2;
        Configuration conf = new Configuration();
        java.nio.file.Path tiles = out.resolve("tiles");
        Files.createDirectories(tiles);
        MessageType schema = tileSchema(float32);
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        int rb = (n + b - 1) / b;
        int cb = (cols + b - 1) / b;
        int count = 0;
        for (int bi = 0; bi < rb; bi++) {
            for (int bj = symmetric ? bi : 0; bj < cb; bj++) {
                String name = String.format(Locale.ROOT, "tile-r%05d-c%05d.parquet", bi, bj);
                try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new Path(tiles.resolve(name).toUri()))
                        .withConf(conf).withType(schema).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
                    for (String k : kernels) {
                        for (int d : depths) {
                            int r0 = bi * b;
                            int c0 = bj * b;
                            int nr = Math.min(b, n - r0);
                            int nc = Math.min(b, cols - c0);
                            Group g = f.newGroup().append("kernel", k).append("depth", d).append("block_row", bi)
                                    .append("block_col", bj).append("row_start", (long) r0).append("col_start", (long) c0)
                                    .append("num_rows", nr).append("num_cols", nc);
                            Group vals = g.addGroup("values");
                            for (int r = 0; r < nr; r++) {
                                for (int c = 0; c < nc; c++) {
                                    double v = value(k, d, r0 + r, c0 + c, symmetric);
                                    if (float32) {
                                        vals.addGroup("list").append("element", (float) v);
                                    } else {
                                        vals.addGroup("list").append("element", v);
                                    }
                                }
                            }
                            w.write(g);
                        }
                    }
                }
                count++;
            }
        }
        writeIndex(out.resolve("index"), n, conf);
        if (!symmetric) {
            writeIndex(out.resolve("index2"), n2, conf);
        }
        if (complete) {
            KernelManifest m = new KernelManifest(KernelManifest.FORMAT_VERSION, symmetric, "relu", 1.0, 0.0, depths,
                    kernels, float32 ? "float32" : "float64", n, symmetric ? null : (long) n2, 8, b, rb, cb, count,
                    null, null, "none", "test", (long) count, 0L, null, null, "2026-01-01T00:00:00Z");
            m.write(conf, new Path(out.resolve(KernelManifest.KERNEL_JSON).toUri()));
        }
    }

    /** Spark's layout for these columns (nullable fields, 3-level LIST). */
    static MessageType tileSchema(boolean float32) {
        Types.MessageTypeBuilder m = Types.buildMessage();
        m.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("kernel");
        for (String c : List.of("depth", "block_row", "block_col")) {
            m.optional(PrimitiveTypeName.INT32).named(c);
        }
        m.optional(PrimitiveTypeName.INT64).named("row_start");
        m.optional(PrimitiveTypeName.INT64).named("col_start");
        m.optional(PrimitiveTypeName.INT32).named("num_rows");
        m.optional(PrimitiveTypeName.INT32).named("num_cols");
        m.optionalList().optionalElement(float32 ? PrimitiveTypeName.FLOAT : PrimitiveTypeName.DOUBLE).named("values");
        return m.named("spark_schema");
    }

    private static void writeIndex(java.nio.file.Path dir, int n, Configuration conf) throws IOException {
        Files.createDirectories(dir);
        MessageType schema = Types.buildMessage()
                .required(PrimitiveTypeName.INT64).named("row")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id")
                .named("spark_schema");
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new Path(dir.resolve("part-00000.parquet").toUri()))
                .withConf(conf).withType(schema).build()) {
            for (int i = 0; i < n; i++) {
                w.write(f.newGroup().append("row", (long) i).append("id", "id-" + i));
            }
        }
    }
}
