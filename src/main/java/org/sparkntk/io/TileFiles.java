package org.sparkntk.io;

import org.sparkntk.spec.Precision;
import org.sparkntk.spec.KernelKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Tile files ({@code OUT/tiles/tile-rIIIII-cJJJJJ.parquet}, docs/format.md): one Parquet file per
 * block pair, one row per (kernel, depth), written and read with parquet-hadoop directly (no Spark
 * SQL), so tasks can write them and solvers can read them anywhere. A file is written under a
 * temporary name in {@code tiles/_tmp/} and renamed into place: a file under its final name is
 * complete.
 */
public final class TileFiles {

    /** Folder of the tile files inside OUT. */
    public static final String TILES_DIR = "tiles";
    /** Temporary folder inside {@link #TILES_DIR} (files there are never complete results). */
    public static final String TMP_DIR = "_tmp";

    private static final Pattern NAME = Pattern.compile("tile-r(\\d{5,})-c(\\d{5,})\\.parquet");

    private TileFiles() {
    }

    /** The file name of block pair (I, J): {@code tile-r00003-c00007.parquet}. */
    public static String fileName(int blockRow, int blockCol) {
        return String.format("tile-r%05d-c%05d.parquet", blockRow, blockCol);
    }

    /** (I, J) from a tile file name, or null when the name is not a tile file's. */
    public static int[] parseName(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    /** The Parquet schema of a tile file for the given precision. */
    public static MessageType schema(Precision precision) {
        PrimitiveTypeName v = precision == Precision.FLOAT32 ? PrimitiveTypeName.FLOAT : PrimitiveTypeName.DOUBLE;
        return Types.buildMessage()
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("kernel")
                .required(PrimitiveTypeName.INT32).named("depth")
                .required(PrimitiveTypeName.INT32).named("block_row")
                .required(PrimitiveTypeName.INT32).named("block_col")
                .required(PrimitiveTypeName.INT64).named("row_start")
                .required(PrimitiveTypeName.INT64).named("col_start")
                .required(PrimitiveTypeName.INT32).named("num_rows")
                .required(PrimitiveTypeName.INT32).named("num_cols")
                .requiredList().requiredElement(v).named("values")
                .named("spark_ntk_tile");
    }

    /**
     * Writes the rows of one block pair to {@code tilesDir/fileName} through a temporary file in
     * {@code tilesDir/_tmp/}, then renames it into place (replacing an older copy, e.g. from a
     * speculative or retried task). Returns the file's size in bytes.
     */
    public static long write(Configuration conf, Path tilesDir, int blockRow, int blockCol, List<KernelTile> rows,
                             Precision precision) throws IOException {
        return write(conf, tilesDir, blockRow, blockCol, rows, precision, TileWriter.HADOOP);
    }

    /** {@link #write(Configuration, Path, int, int, List, Precision)} through the given writer ({@link TileWriter#resolve}). */
    public static long write(Configuration conf, Path tilesDir, int blockRow, int blockCol, List<KernelTile> rows,
                             Precision precision, TileWriter writer) throws IOException {
        return write(conf, tilesDir, blockRow, blockCol, rows, precision, writer, null);
    }

    /**
     * {@link #write(Configuration, Path, int, int, List, Precision, TileWriter)} of rows whose values
     * are still being computed: each block of values is written once {@code ready} says its tile
     * rows are final (null: all are).
     */
    public static long write(Configuration conf, Path tilesDir, int blockRow, int blockCol, List<KernelTile> rows,
                             Precision precision, TileWriter writer, Ready ready) throws IOException {
        Path dest = new Path(tilesDir, fileName(blockRow, blockCol));
        Path tmp = new Path(new Path(tilesDir, TMP_DIR), fileName(blockRow, blockCol) + "." + UUID.randomUUID());
        FileSystem fs = dest.getFileSystem(conf);
        try {
            try {
                writeFile(writer.output(conf, tmp), rows, precision, ready);
            } finally {
                if (ready != null) {
                    ready.written(rows.size()); // done with every output, or failed: nothing more is read
                }
            }
            long size = fs.getFileStatus(tmp).getLen();
            if (!fs.rename(tmp, dest)) {
                // an earlier attempt won the race (or the FS refuses to replace): keep a complete copy
                if (fs.exists(dest)) {
                    fs.delete(tmp, false);
                    return fs.getFileStatus(dest).getLen();
                }
                throw new IOException("could not rename " + tmp + " to " + dest);
            }
            return size;
        } catch (IOException | RuntimeException e) {
            fs.delete(tmp, false);
            throw e;
        }
    }

    /**
     * Writes tile rows to exactly this path (no rename); the low-level half of {@link #write}.
     *
     * <p>The pages are encoded here and handed to parquet-hadoop's {@link ParquetFileWriter}, which
     * writes the footer, column and offset indexes: values are PLAIN (a bulk little-endian copy of
     * the array), levels RLE, Parquet v1 data pages, uncompressed, no dictionary, no
     * BYTE_STREAM_SPLIT, one row group, one page per tile row (pages start at row boundaries, as
     * parquet-hadoop's own writer does). The generic column writers cost 10-50x more per value
     * than the tile kernel spends computing it.
     */
    public static void writeFile(Configuration conf, Path path, List<KernelTile> rows, Precision precision) throws IOException {
        // Hadoop's own stream: LocalTileOutput through the page cache writes faster alone but made the
        // Gram job's summed write time 20-35% longer on a quiet machine (docs/benchmarks.md, "Tile
        // writes: the direct-buffer writer"); its O_DIRECT mode is chosen with TileWriter
        writeFile(HadoopOutputFile.fromPath(path, conf), rows, precision);
    }

    /** {@link #writeFile(Configuration, Path, List, Precision)} to any Parquet output file. */
    public static void writeFile(OutputFile out, List<KernelTile> rows, Precision precision) throws IOException {
        writeFile(out, rows, precision, null);
    }

    private static void writeFile(OutputFile out, List<KernelTile> rows, Precision precision, Ready ready) throws IOException {
        MessageType schema = schema(precision);
        boolean f32 = precision == Precision.FLOAT32;
        long bytes = 0;
        for (KernelTile r : rows) {
            bytes += (long) r.tile().values().length * (f32 ? 4 : 8);
        }
        ParquetProperties props = ParquetProperties.builder()
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .withDictionaryEncoding(false)
                .withByteStreamSplitEncoding(false)
                // no page CRC: it makes parquet-hadoop copy every page once more and checksum it, while
                // the file system already checksums what it stores (HDFS blocks, local .crc files)
                .withPageWriteChecksumEnabled(false)
                .build();
        ParquetFileWriter file = new ParquetFileWriter(out, schema, ParquetFileWriter.Mode.OVERWRITE,
                Math.max(bytes + (1 << 20), 8L << 20), 0, null, props);
        List<ColumnDescriptor> cols = schema.getColumns();
        int n = rows.size();
        file.start();
        file.startBlock(n);
        // the eight scalar columns: one page each, no levels (required, not repeated)
        for (int c = 0; c < 8; c++) {
            ColumnDescriptor cd = cols.get(c);
            PrimitiveType type = cd.getPrimitiveType();
            Statistics<?> st = Statistics.createStats(type);
            ByteBuffer buf;
            if (c == 0) {
                int size = 0;
                for (KernelTile r : rows) {
                    size += 4 + r.kernel().label().length();
                }
                buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
                for (KernelTile r : rows) {
                    byte[] b = r.kernel().label().getBytes(StandardCharsets.UTF_8);
                    buf.putInt(b.length).put(b);
                    st.updateStats(Binary.fromConstantByteArray(b));
                }
            } else {
                boolean wide = type.getPrimitiveTypeName() == PrimitiveTypeName.INT64;
                buf = ByteBuffer.allocate(n * (wide ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
                for (KernelTile r : rows) {
                    long v = scalar(c, r);
                    if (wide) {
                        buf.putLong(v);
                        st.updateStats(v);
                    } else {
                        buf.putInt((int) v);
                        st.updateStats((int) v);
                    }
                }
            }
            BytesInput page = BytesInput.from(buf.array());
            file.startColumn(cd, n, CompressionCodecName.UNCOMPRESSED);
            file.writeDataPage(n, (int) page.size(), page, st, n, Encoding.BIT_PACKED, Encoding.BIT_PACKED, Encoding.PLAIN);
            file.endColumn();
        }
        // values: one page per row; repetition levels 0,1,1,...; definition levels all max
        ColumnDescriptor vd = cols.get(8);
        long total = 0;
        for (KernelTile r : rows) {
            total += Math.max(1, r.tile().values().length);
        }
        file.startColumn(vd, total, CompressionCodecName.UNCOMPRESSED);
        int maxDef = vd.getMaxDefinitionLevel();
        int pages = 0;
        for (KernelTile r : rows) {
            double[] v = r.tile().values();
            Statistics<?> st = Statistics.createStats(vd.getPrimitiveType());
            BytesInput page;
            int count;
            if (v.length == 0) {
                count = 1; // an empty list: one null entry at definition level maxDef - 1
                page = BytesInput.concat(levels(new int[] {1}, new int[] {0}), levels(new int[] {1}, new int[] {maxDef - 1}));
                st.setNumNulls(0);
            } else {
                count = v.length;
                BytesInput rl = v.length == 1 ? levels(new int[] {1}, new int[] {0})
                        : levels(new int[] {1, v.length - 1}, new int[] {0, 1});
                BytesInput dl = levels(new int[] {v.length}, new int[] {maxDef});
                page = BytesInput.concat(rl, dl, BytesInput.from(new ValuesPage(v, r.tile().numCols(), f32, st, ready)));
            }
            file.writeDataPage(count, (int) page.size(), page, st, 1, Encoding.RLE, Encoding.RLE, Encoding.PLAIN);
            if (ready != null) {
                ready.written(++pages);
            }
        }
        file.endColumn();
        file.endBlock();
        Map<String, String> meta = new HashMap<>();
        meta.put("spark-ntk.format", "tile-v1");
        file.end(meta);
    }

    /** Values per conversion block: 32 KiB of float64, small enough to stay in L1 with its source. */
    private static final int BLOCK = 4096;

    /** This thread's conversion block (8 bytes per value), reused from page to page. */
    private static final ThreadLocal<byte[]> CHUNK = ThreadLocal.withInitial(() -> new byte[BLOCK * 8]);

    /**
     * The PLAIN bytes of one values page, produced while they are written: blocks of {@link #BLOCK}
     * values are converted into this thread's small reused array, which goes to the stream while
     * it is in cache, and the page's minimum and maximum are taken from the same block, so the tile
     * array is read from memory once and no page-sized copy exists. (A page-sized array cost a
     * copy and a separate min / max pass over memory; streaming it in freshly allocated parts made
     * the Gram job's writes slower, because each young collection then waits for the other task's
     * native GEMM to leave its JNI critical region: docs/benchmarks.md, "Stop 26".)
     *
     * <p>The minimum and maximum reach {@code st} when the bytes have been written: parquet-hadoop's
     * {@code writeDataPage} writes the page and then merges its statistics into the column's (a v1
     * page header carries none), which TileFilesTest checks against the footer.
     */
    private static final class ValuesPage extends java.io.ByteArrayOutputStream {
        private final double[] v;
        private final int cols;
        private final boolean f32;
        private final Statistics<?> st;
        private final Ready ready;

        ValuesPage(double[] v, int cols, boolean f32, Statistics<?> st, Ready ready) {
            super(0);
            this.v = v;
            this.cols = Math.max(1, cols);
            this.f32 = f32;
            this.st = st;
            this.ready = ready;
        }

        @Override
        public int size() {
            return Math.multiplyExact(v.length, f32 ? 4 : 8);
        }

        @Override
        public void writeTo(java.io.OutputStream out) throws IOException {
            byte[] chunk = CHUNK.get();
            ByteBuffer bytes = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            java.nio.DoubleBuffer doubles = bytes.asDoubleBuffer();
            java.nio.FloatBuffer floats = bytes.asFloatBuffer();
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int off = 0; off < v.length; off += BLOCK) {
                int n = Math.min(BLOCK, v.length - off);
                if (ready != null) {
                    ready.await((int) (((long) off + n + cols - 1) / cols));
                }
                if (f32) {
                    for (int i = 0; i < n; i++) {
                        float f = (float) v[off + i];
                        floats.put(i, f);
                        min = f < min ? f : min;
                        max = f > max ? f : max;
                    }
                    out.write(chunk, 0, n * 4);
                } else {
                    doubles.put(0, v, off, n);
                    // four chains each: one chain is bound by the compare's latency, not by the cache
                    double a0 = min, a1 = min, a2 = min, a3 = min;
                    double b0 = max, b1 = max, b2 = max, b3 = max;
                    int i = off;
                    int end = off + n;
                    for (; i + 3 < end; i += 4) {
                        double x0 = v[i], x1 = v[i + 1], x2 = v[i + 2], x3 = v[i + 3];
                        a0 = x0 < a0 ? x0 : a0;
                        a1 = x1 < a1 ? x1 : a1;
                        a2 = x2 < a2 ? x2 : a2;
                        a3 = x3 < a3 ? x3 : a3;
                        b0 = x0 > b0 ? x0 : b0;
                        b1 = x1 > b1 ? x1 : b1;
                        b2 = x2 > b2 ? x2 : b2;
                        b3 = x3 > b3 ? x3 : b3;
                    }
                    for (; i < end; i++) {
                        a0 = v[i] < a0 ? v[i] : a0;
                        b0 = v[i] > b0 ? v[i] : b0;
                    }
                    min = Math.min(Math.min(a0, a1), Math.min(a2, a3));
                    max = Math.max(Math.max(b0, b1), Math.max(b2, b3));
                    out.write(chunk, 0, n * 8);
                }
            }
            if (min <= max) { // only NaNs: no minimum or maximum to record
                if (f32) {
                    st.updateStats((float) min);
                    st.updateStats((float) max);
                } else {
                    st.updateStats(min);
                    st.updateStats(max);
                }
            }
        }

        @Override
        public byte[] toByteArray() {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream(size());
            try {
                writeTo(all);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return all.toByteArray();
        }
    }

    /**
     * How many rows of a tile's outputs are final, told by the thread computing them to the thread
     * writing them ({@link #write(Configuration, Path, int, int, List, Precision, TileWriter, Ready)});
     * a failed computation ends the write with an IOException (its temporary file is deleted). The
     * writer tells back which outputs it has finished reading ({@link #awaitWritten}).
     */
    public static final class Ready {
        private int rows;
        private Throwable failed;
        private int written;

        /**
         * Waits until the writer no longer reads the first {@code outputs} outputs (their pages are
         * written, or the write has ended, failed or not), so their arrays may be reused.
         */
        public synchronized void awaitWritten(int outputs) throws java.io.InterruptedIOException {
            try {
                while (written < outputs) {
                    wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for a tile file's pages to be written");
            }
        }

        synchronized void written(int outputs) {
            written = Math.max(written, outputs);
            notifyAll();
        }

        /** The first {@code rows} rows of every output are final. */
        public synchronized void rows(int rows) {
            this.rows = Math.max(this.rows, rows);
            notifyAll();
        }

        /** The computation (or the task) failed: the write stops at its next block and deletes its temporary file. */
        public synchronized void fail(Throwable why) {
            failed = why;
            notifyAll();
        }

        /** Waits for the first {@code want} rows; a failure stops the write at its next block even when they are final. */
        synchronized void await(int want) throws IOException {
            try {
                while (rows < want && failed == null) {
                    wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for tile rows to be computed");
            }
            if (failed != null) {
                throw new IOException("the tile's computation failed: " + failed, failed);
            }
        }
    }

    private static long scalar(int column, KernelTile r) {
        Tile t = r.tile();
        return switch (column) {
            case 1 -> r.depth();
            case 2 -> t.blockRow();
            case 3 -> t.blockCol();
            case 4 -> t.rowStart();
            case 5 -> t.colStart();
            case 6 -> t.numRows();
            default -> t.numCols();
        };
    }

    /**
     * Levels of bit width 1 in the RLE / bit-packing hybrid encoding as a v1 page stores them: a
     * 4-byte little-endian length, then one RLE run per (count, value): ULEB128(count &lt;&lt; 1), value byte.
     */
    static BytesInput levels(int[] counts, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 + counts.length * 6).order(ByteOrder.LITTLE_ENDIAN);
        b.position(4);
        for (int i = 0; i < counts.length; i++) {
            long h = ((long) counts[i]) << 1;
            while ((h & ~0x7FL) != 0) {
                b.put((byte) ((h & 0x7F) | 0x80));
                h >>>= 7;
            }
            b.put((byte) h);
            b.put((byte) values[i]);
        }
        int len = b.position() - 4;
        b.putInt(0, len);
        return BytesInput.from(java.util.Arrays.copyOf(b.array(), b.position()));
    }

    /** Reads every row of a tile file (parquet-hadoop, no Spark). */
    public static List<KernelTile> read(Configuration conf, Path file) throws IOException {
        return read(conf, file, null, 0);
    }

    /** Reads the rows of one kernel at one depth (kernel null: every row). */
    public static List<KernelTile> read(Configuration conf, Path file, KernelKind kernel, int depth) throws IOException {
        List<KernelTile> out = new ArrayList<>();
        try (ParquetReader<KernelTile> r = ParquetReader.builder(new TileReadSupport(), file).withConf(conf).build()) {
            for (KernelTile t = r.read(); t != null; t = r.read()) {
                if (kernel == null || t.kernel() == kernel && t.depth() == depth) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** Materializes {@link KernelTile}s; values are collected into a growing double array. */
    private static final class TileReadSupport extends ReadSupport<KernelTile> {
        @Override
        public ReadContext init(InitContext context) {
            return new ReadContext(context.getFileSchema());
        }

        @Override
        public RecordMaterializer<KernelTile> prepareForRead(Configuration configuration, Map<String, String> keyValueMetaData,
                                                             MessageType fileSchema, ReadContext readContext) {
            return new TileMaterializer(readContext.getRequestedSchema());
        }
    }

    private static final class TileMaterializer extends RecordMaterializer<KernelTile> {
        private final Root root;

        TileMaterializer(MessageType schema) {
            root = new Root(schema);
        }

        @Override
        public KernelTile getCurrentRecord() {
            return root.record;
        }

        @Override
        public GroupConverter getRootConverter() {
            return root;
        }
    }

    private static final class Root extends GroupConverter {
        final Converter[] converters;
        String kernel;
        int depth;
        int blockRow;
        int blockCol;
        long rowStart;
        long colStart;
        int numRows;
        int numCols;
        double[] values = new double[0];
        int count;
        KernelTile record;

        Root(MessageType schema) {
            List<Type> fields = schema.getFields();
            converters = new Converter[fields.size()];
            for (int i = 0; i < fields.size(); i++) {
                String name = fields.get(i).getName();
                converters[i] = switch (name) {
                    case "kernel" -> new Prim() {
                        @Override
                        public void addBinary(Binary value) {
                            kernel = value.toStringUsingUTF8();
                        }
                    };
                    case "depth" -> intField(v -> depth = v);
                    case "block_row" -> intField(v -> blockRow = v);
                    case "block_col" -> intField(v -> blockCol = v);
                    case "num_rows" -> intField(v -> numRows = v);
                    case "num_cols" -> intField(v -> numCols = v);
                    case "row_start" -> new Prim() {
                        @Override
                        public void addLong(long value) {
                            rowStart = value;
                        }
                    };
                    case "col_start" -> new Prim() {
                        @Override
                        public void addLong(long value) {
                            colStart = value;
                        }
                    };
                    case "values" -> listOf(fields.get(i).asGroupType());
                    default -> new Prim();
                };
            }
        }

        private Converter intField(java.util.function.IntConsumer c) {
            return new Prim() {
                @Override
                public void addInt(int value) {
                    c.accept(value);
                }
            };
        }

        private Converter listOf(GroupType listType) {
            PrimitiveConverter element = new Prim() {
                @Override
                public void addDouble(double value) {
                    add(value);
                }

                @Override
                public void addFloat(float value) {
                    add(value);
                }
            };
            GroupConverter repeated = new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return element;
                }

                @Override
                public void start() {
                }

                @Override
                public void end() {
                }
            };
            boolean twoLevel = listType.getFields().get(0).isPrimitive();
            return new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return twoLevel ? element : repeated;
                }

                @Override
                public void start() {
                    long want = (long) numRows * numCols;
                    if (values.length < want && want <= Integer.MAX_VALUE) {
                        values = new double[(int) want];
                    }
                }

                @Override
                public void end() {
                }
            };
        }

        void add(double v) {
            if (count == values.length) {
                values = java.util.Arrays.copyOf(values, Math.max(16, values.length * 2));
            }
            values[count++] = v;
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return converters[fieldIndex];
        }

        @Override
        public void start() {
            count = 0;
            values = new double[0];
        }

        @Override
        public void end() {
            double[] v = values.length == count ? values : java.util.Arrays.copyOf(values, count);
            KernelKind k = KernelKind.fromLabel(kernel);
            if (k == null) {
                throw new IllegalStateException("tile file has kernel '" + kernel + "' (expected ntk or nngp)");
            }
            record = new KernelTile(k, depth, new Tile(blockRow, blockCol, rowStart, colStart, numRows, numCols, v));
        }
    }

    private static class Prim extends PrimitiveConverter {
    }
}
