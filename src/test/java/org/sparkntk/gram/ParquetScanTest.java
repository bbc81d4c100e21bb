package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The array reader's own page decoding (PLAIN values, RLE levels) against parquet's column reader
 * on the same row groups, and what was written: v1 and v2 pages, double and float elements, the
 * three list layouts, null arrays, null elements, empty arrays, many small pages, Snappy; and its
 * level decoder against parquet's own encoder. (InputScanTest compares the whole read with Spark
 * SQL's.)
 */
class ParquetScanTest {

    @TempDir
    Path tmp;

    /** A row as written: null, or elements (null entries are null elements). */
    private static List<Double[]> rows(int n, boolean nulls, boolean f32, int distinct, long seed) {
        Random r = new Random(seed);
        List<Double[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (nulls && i % 17 == 5) {
                out.add(null);
                continue;
            }
            int len = nulls && i % 13 == 4 ? 0 : 1 + r.nextInt(40);
            Double[] v = new Double[len];
            for (int k = 0; k < len; k++) {
                // few distinct values keep parquet's dictionary (it falls back to PLAIN when values are
                // all distinct); distinct < 0: a new value every row, so a small dictionary fills up
                // after a few pages and the rest of the chunk falls back to PLAIN
                double g = distinct > 0 ? r.nextInt(distinct) / 4.0 : distinct < 0 ? (r.nextInt(8) + i) / 4.0 : r.nextGaussian();
                v[k] = nulls && r.nextInt(50) == 0 ? null : f32 ? (double) (float) g : g;
            }
            out.add(v);
        }
        return out;
    }

    private static final String[] LAYOUTS = {
        // Spark's three-level list, nullable array and elements
        "message m { optional group x (LIST) { repeated group list { optional %s element; } } }",
        // required array of required elements
        "message m { required group x (LIST) { repeated group list { required %s element; } } }",
        // the legacy two-level form: a repeated leaf
        "message m { repeated %s x; }",
    };

    /** Encodings of the values: all PLAIN, all from a dictionary, or a dictionary that overflows and falls back to PLAIN. */
    private enum Values { PLAIN, DICTIONARY, FALLBACK }

    private Path write(String layout, boolean f32, List<Double[]> rows, Values values, ParquetProperties.WriterVersion version)
            throws Exception {
        MessageType schema = MessageTypeParser.parseMessageType(String.format(layout, f32 ? "float" : "double"));
        Path file = tmp.resolve("f-" + System.nanoTime() + ".parquet");
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        boolean legacy = !layout.contains("LIST");
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
                .withType(schema).withConf(new Configuration()).withDictionaryEncoding(values != Values.PLAIN)
                .withDictionaryPageSize(values == Values.FALLBACK ? 128 : 1 << 20).withWriterVersion(version)
                .withCompressionCodec(CompressionCodecName.SNAPPY).withRowGroupSize(4L << 10).withPageSize(1024)
                .withPageRowCountLimit(7).withMinRowCountForPageSizeCheck(4).withMaxRowCountForPageSizeCheck(8).build()) {
            for (Double[] v : rows) {
                Group g = groups.newGroup();
                if (v != null) {
                    Group list = legacy ? g : g.addGroup("x");
                    for (Double e : v) {
                        if (legacy) {
                            if (f32) {
                                g.add("x", (float) (double) e);
                            } else {
                                g.add("x", e);
                            }
                        } else {
                            Group el = list.addGroup("list");
                            if (e != null) {
                                if (f32) {
                                    el.add("element", (float) (double) e);
                                } else {
                                    el.add("element", e);
                                }
                            }
                        }
                    }
                }
                w.write(g);
            }
        }
        return file;
    }

    /** A row as the sink received it. */
    private record Got(long index, double[] x, int len, int firstNull) {
    }

    private static List<Got> read(Configuration conf, Path file, long rows, boolean pages, boolean f32, boolean[] decoded)
            throws Exception {
        List<Got> out = new ArrayList<>();
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(file.toUri());
        int groups;
        try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(p, conf))) {
            groups = r.getFooter().getBlocks().size();
        }
        List<ParquetScan.Split> splits = new ArrayList<>();
        long start = 0;
        try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(p, conf))) {
            for (int g = 0; g < groups; g++) {
                long n = r.getFooter().getBlocks().get(g).getRowCount();
                splits.add(new ParquetScan.Split(p.toString(), g, start, n));
                start += n;
            }
        }
        assertEquals(rows, start);
        assertTrue(groups >= 2, "the test needs several row groups, got " + groups);
        for (ParquetScan.Split s : splits) {
            try (ParquetScan.Group g = ParquetScan.Group.open(conf, s, List.of("x"))) {
                ParquetScan.ArraySink sink = (i, x, len, firstNull) -> out.add(new Got(i, x, len, firstNull));
                decoded[0] |= g.decodesPages("x");
                if (pages) {
                    g.array("x", f32, sink);
                } else {
                    g.arrayByColumnReader("x", f32, sink);
                }
            }
        }
        return out;
    }

    @Test
    void pageDecodingGivesTheColumnReadersRowsAndTheWrittenOnes() throws Exception {
        Configuration conf = new Configuration();
        int n = 300;
        for (String layout : LAYOUTS) {
            boolean nullable = layout.contains("optional");
            for (boolean f32 : new boolean[] {false, true}) {
                for (ParquetProperties.WriterVersion version : ParquetProperties.WriterVersion.values()) {
                    for (Values values : Values.values()) {
                        int distinct = values == Values.PLAIN ? 0 : values == Values.DICTIONARY ? 8 : -1;
                        List<Double[]> rows = rows(n, nullable, f32, distinct, layout.length() + (f32 ? 1 : 0));
                        if (!layout.contains("LIST")) {
                            rows = rows.stream().map(v -> v == null ? new Double[0] : v).toList(); // a repeated leaf has no null
                        }
                        String what = layout + " " + (f32 ? "float" : "double") + " " + version + " " + values;
                        Path f = write(layout, f32, rows, values, version);
                        assertEquals(values, pageKinds(conf, f), what + ": the pages written");
                        boolean[] decoded = {false};
                        List<Got> mine = read(conf, f, n, true, f32, decoded);
                        List<Got> theirs = read(conf, f, n, false, f32, new boolean[1]);
                        assertTrue(decoded[0], what + ": decoded by pages");
                        assertEquals(n, mine.size(), what);
                        for (int i = 0; i < n; i++) {
                            Got a = mine.get(i);
                            Got b = theirs.get(i);
                            String at = what + ", row " + i;
                            assertEquals(i, a.index(), at);
                            assertEquals(b.index(), a.index(), at);
                            assertEquals(b.len(), a.len(), at);
                            assertEquals(b.firstNull(), a.firstNull(), at);
                            assertEquals(b.x() == null, a.x() == null, at);
                            if (a.x() != null) {
                                assertArrayEquals(b.x(), a.x(), at);
                            }
                            Double[] w = rows.get(i);
                            assertEquals(w == null, a.x() == null, at + ": null array");
                            if (w != null) {
                                assertEquals(w.length, a.len(), at);
                                int firstNull = -1;
                                for (int k = 0; k < w.length; k++) {
                                    if (w[k] == null) {
                                        firstNull = firstNull < 0 ? k : firstNull;
                                        assertEquals(0.0, a.x()[k], at);
                                    } else {
                                        assertEquals(w[k], a.x()[k], 0.0, at);
                                    }
                                }
                                assertEquals(firstNull, a.firstNull(), at);
                            }
                        }
                    }
                }
            }
        }
    }

    /** What the values column's data pages are, over all row groups (parquet's encoding statistics). */
    private static Values pageKinds(Configuration conf, Path file) throws Exception {
        boolean dict = false;
        boolean plain = false;
        try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), conf))) {
            for (var b : r.getFooter().getBlocks()) {
                var st = b.getColumns().get(0).getEncodingStats();
                dict |= st.hasDictionaryEncodedPages();
                plain |= st.hasNonDictionaryEncodedPages();
            }
        }
        return dict && plain ? Values.FALLBACK : dict ? Values.DICTIONARY : Values.PLAIN;
    }

    @Test
    void levelDecoderReadsWhatParquetsEncoderWrote() throws Exception {
        Random r = new Random(3);
        for (int width = 1; width <= 8; width++) {
            int max = (1 << width) - 1;
            int[] want = new int[5000];
            int k = 0;
            while (k < want.length) { // runs long and short, so the encoder uses both RLE and bit-packed runs
                int v = r.nextInt(max + 1);
                int run = r.nextBoolean() ? 1 + r.nextInt(3) : 8 + r.nextInt(200);
                for (int i = 0; i < run && k < want.length; i++) {
                    want[k++] = r.nextInt(4) == 0 ? r.nextInt(max + 1) : v;
                }
            }
            RunLengthBitPackingHybridEncoder enc = new RunLengthBitPackingHybridEncoder(width, 64, 1 << 20, new HeapByteBufferAllocator());
            for (int v : want) {
                enc.writeInt(v);
            }
            byte[] bytes = enc.toBytes().toByteArray();
            // all of them, then fewer (the last bit-packed group's padding must be skipped, not read as values)
            for (int count : new int[] {want.length, want.length - 3, 1}) {
                int[] got = new int[count];
                ParquetScan.Group.levels(ByteBuffer.wrap(bytes), width, count, got);
                assertArrayEquals(java.util.Arrays.copyOf(want, count), got, "width " + width + ", count " + count);
            }
        }
    }
}
