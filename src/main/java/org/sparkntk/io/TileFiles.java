package org.sparkntk.io;

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
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
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
        Path dest = new Path(tilesDir, fileName(blockRow, blockCol));
        Path tmp = new Path(new Path(tilesDir, TMP_DIR), fileName(blockRow, blockCol) + "." + UUID.randomUUID());
        FileSystem fs = dest.getFileSystem(conf);
        try {
            writeFile(conf, tmp, rows, precision);
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
     * <p>Uses parquet-column's column writers directly (one call per value) rather than a
     * {@code WriteSupport}: the record-assembly path costs about 100 ns per list element, this one
     * about 10. Same file as parquet-hadoop's writer makes: Parquet v1 data pages, PLAIN values
     * (no dictionary, no BYTE_STREAM_SPLIT), uncompressed, one row group.
     */
    public static void writeFile(Configuration conf, Path path, List<KernelTile> rows, Precision precision) throws IOException {
        MessageType schema = schema(precision);
        long bytes = 0;
        for (KernelTile r : rows) {
            bytes += (long) r.tile().values().length * (precision == Precision.FLOAT32 ? 4 : 8);
        }
        ParquetProperties props = ParquetProperties.builder()
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .withDictionaryEncoding(false)
                .withByteStreamSplitEncoding(false)
                .withStatisticsEnabled(false)
                .withSizeStatisticsEnabled(false)
                .withPageSize(1 << 20)
                .build();
        OutputFile out = HadoopOutputFile.fromPath(path, conf);
        ParquetFileWriter file = new ParquetFileWriter(out, schema, ParquetFileWriter.Mode.OVERWRITE,
                Math.max(bytes + (1 << 20), 8L << 20), 0, null, props);
        CodecFactory codecs = new CodecFactory(conf, props.getPageSizeThreshold());
        ColumnChunkPageWriteStore pages = new ColumnChunkPageWriteStore(codecs.getCompressor(CompressionCodecName.UNCOMPRESSED),
                schema, props.getAllocator(), props.getColumnIndexTruncateLength(), props.getPageWriteChecksumEnabled());
        ColumnWriteStore store = props.newColumnWriteStore(schema, pages);
        try {
            file.start();
            List<ColumnDescriptor> cols = schema.getColumns();
            ColumnWriter[] w = new ColumnWriter[cols.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = store.getColumnWriter(cols.get(i));
            }
            int def = cols.get(8).getMaxDefinitionLevel();
            boolean f32 = precision == Precision.FLOAT32;
            for (KernelTile r : rows) {
                Tile t = r.tile();
                w[0].write(Binary.fromString(r.kernel().label()), 0, 0);
                w[1].write(r.depth(), 0, 0);
                w[2].write(t.blockRow(), 0, 0);
                w[3].write(t.blockCol(), 0, 0);
                w[4].write(t.rowStart(), 0, 0);
                w[5].write(t.colStart(), 0, 0);
                w[6].write(t.numRows(), 0, 0);
                w[7].write(t.numCols(), 0, 0);
                double[] v = t.values();
                ColumnWriter vw = w[8];
                if (v.length == 0) {
                    vw.writeNull(0, def - 1);
                } else if (f32) {
                    vw.write((float) v[0], 0, def);
                    for (int k = 1; k < v.length; k++) {
                        vw.write((float) v[k], 1, def);
                    }
                } else {
                    vw.write(v[0], 0, def);
                    for (int k = 1; k < v.length; k++) {
                        vw.write(v[k], 1, def);
                    }
                }
                store.endRecord();
            }
            file.startBlock(rows.size());
            store.flush();
            pages.flushToFileWriter(file);
            file.endBlock();
            Map<String, String> meta = new HashMap<>();
            meta.put("spark-ntk.format", "tile-v1");
            file.end(meta);
        } finally {
            store.close();
            pages.close();
            codecs.release();
        }
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
