package org.sparkntk.gram;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.DummyRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Row groups of a plain Parquet input read with parquet-hadoop's column readers, without Spark
 * SQL (docs/design.md, "Reading without Spark SQL"): a Spark SQL scan in a fresh JVM spends more
 * time planning its query and compiling its code than decoding a few MB of pages.
 *
 * <p>It covers the common layout only: an array column of double or float (Parquet's LIST, 3- or
 * 2-level: one leaf, repeated once) and flat primitive columns that Spark reads as bigint, int,
 * smallint, tinyint, double, float, string or boolean. {@link #covers} says whether a set of
 * columns is covered in every file with the same Parquet types; callers read anything else with
 * Spark SQL. Values come out as Spark gives them: the same Java types in a Row, float widened to
 * double, a null element of an array as 0 with its position reported.
 */
public final class ParquetScan {

    private ParquetScan() {
    }

    /** {@code -Dntk.read=spark} reads every input with Spark SQL (default: this reader where it applies). */
    public static boolean enabled() {
        return !"spark".equals(System.getProperty("ntk.read"));
    }

    /** Row group {@code group} of {@code file}: rows {@code start .. start + rows - 1} in input order. */
    public record Split(String file, int group, long start, long rows) implements Serializable {
    }

    /** One split per row group, in input order (files sorted as {@link InputFooters} sorts them). */
    public static List<Split> splits(InputFooters footers) {
        List<Split> out = new ArrayList<>();
        long start = 0;
        for (InputFooters.DataFile f : footers.files()) {
            long[] groups = f.groupRows();
            for (int g = 0; g < groups.length; g++) {
                out.add(new Split(f.fingerprint().path(), g, start, groups[g]));
                start += groups[g];
            }
        }
        return out;
    }

    /**
     * True when every file stores {@code array} as an array of {@code arrayType}'s elements and each
     * of {@code flat} as a flat column of its Spark type, all with the first file's Parquet types.
     */
    public static boolean covers(InputFooters footers, String array, DataType arrayType, List<String> flat, List<DataType> flatTypes) {
        if (!(arrayType instanceof ArrayType at) || !(at.elementType().equals(DataTypes.DoubleType)
                || at.elementType().equals(DataTypes.FloatType))) {
            return false;
        }
        MessageType first = footers.files().get(0).schema();
        if (!arrayLayout(first, array, at.elementType().equals(DataTypes.FloatType) ? PrimitiveTypeName.FLOAT : PrimitiveTypeName.DOUBLE)) {
            return false;
        }
        for (int j = 0; j < flat.size(); j++) {
            if (!flat(first, flat.get(j), flatTypes.get(j))) {
                return false;
            }
        }
        List<String> names = new ArrayList<>(flat);
        names.add(array);
        MessageType projection = projection(first, names);
        for (InputFooters.DataFile f : footers.files()) {
            if (!projection.equals(projection(f.schema(), names))) {
                return false; // Spark SQL decides what a file with other column types means
            }
        }
        return true;
    }

    /** The Spark type Spark reads a covered flat column as, or null when the column is missing or not covered. */
    public static DataType flatType(MessageType schema, String name) {
        for (DataType t : List.of(DataTypes.LongType, DataTypes.IntegerType, DataTypes.ShortType, DataTypes.ByteType,
                DataTypes.DoubleType, DataTypes.FloatType, DataTypes.StringType, DataTypes.BooleanType)) {
            if (flat(schema, name, t)) {
                return t;
            }
        }
        return null;
    }

    /** The Spark type of a covered array column (array of double or float), or null. */
    public static DataType arrayType(MessageType schema, String name) {
        if (arrayLayout(schema, name, PrimitiveTypeName.DOUBLE)) {
            return DataTypes.createArrayType(DataTypes.DoubleType);
        }
        return arrayLayout(schema, name, PrimitiveTypeName.FLOAT) ? DataTypes.createArrayType(DataTypes.FloatType) : null;
    }

    /** One leaf of the given type, repeated once (an array, maybe null, of maybe null elements). */
    private static boolean arrayLayout(MessageType schema, String name, PrimitiveTypeName element) {
        if (!schema.containsField(name)) {
            return false;
        }
        List<ColumnDescriptor> leaves = leaves(schema, name);
        if (leaves.size() != 1) {
            return false;
        }
        ColumnDescriptor c = leaves.get(0);
        return c.getMaxRepetitionLevel() == 1 && c.getPrimitiveType().getPrimitiveTypeName() == element
                && c.getPrimitiveType().getLogicalTypeAnnotation() == null;
    }

    /** A top-level primitive column that Spark reads as {@code t} and this reader converts the same way. */
    private static boolean flat(MessageType schema, String name, DataType t) {
        if (!schema.containsField(name)) {
            return false;
        }
        Type f = schema.getType(name);
        if (!f.isPrimitive() || f.isRepetition(Type.Repetition.REPEATED)) {
            return false;
        }
        PrimitiveType p = f.asPrimitiveType();
        LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
        PrimitiveTypeName n = p.getPrimitiveTypeName();
        if (t.equals(DataTypes.LongType)) {
            return n == PrimitiveTypeName.INT64 && (a == null || a.equals(LogicalTypeAnnotation.intType(64, true)));
        } else if (t.equals(DataTypes.IntegerType)) {
            return n == PrimitiveTypeName.INT32 && (a == null || a.equals(LogicalTypeAnnotation.intType(32, true)));
        } else if (t.equals(DataTypes.ShortType)) {
            return n == PrimitiveTypeName.INT32 && LogicalTypeAnnotation.intType(16, true).equals(a);
        } else if (t.equals(DataTypes.ByteType)) {
            return n == PrimitiveTypeName.INT32 && LogicalTypeAnnotation.intType(8, true).equals(a);
        } else if (t.equals(DataTypes.DoubleType)) {
            return n == PrimitiveTypeName.DOUBLE && a == null;
        } else if (t.equals(DataTypes.FloatType)) {
            return n == PrimitiveTypeName.FLOAT && a == null;
        } else if (t.equals(DataTypes.StringType)) {
            return n == PrimitiveTypeName.BINARY && LogicalTypeAnnotation.stringType().equals(a);
        } else if (t.equals(DataTypes.BooleanType)) {
            return n == PrimitiveTypeName.BOOLEAN && a == null;
        }
        return false;
    }

    private static List<ColumnDescriptor> leaves(MessageType schema, String top) {
        List<ColumnDescriptor> out = new ArrayList<>();
        for (ColumnDescriptor c : schema.getColumns()) {
            if (c.getPath()[0].equals(top)) {
                out.add(c);
            }
        }
        return out;
    }

    /** The schema of the named columns, in the file's order. */
    private static MessageType projection(MessageType schema, Collection<String> names) {
        List<Type> fields = new ArrayList<>();
        for (Type t : schema.getFields()) {
            if (names.contains(t.getName())) {
                fields.add(t);
            }
        }
        return new MessageType(schema.getName(), fields);
    }

    /** Receives an array column's rows in order. */
    public interface ArraySink {
        /**
         * Row {@code index}: {@code x[0..len)} (a fresh array of length len), or x null when the array
         * is null; {@code firstNull} the position of the first null element (held as 0), -1 when none.
         */
        void row(long index, double[] x, int len, int firstNull);
    }

    /**
     * One split's row group, open for reading its columns (each at most once); close it after.
     * The reader stays open until then: the pages are decompressed as the columns are read, by
     * decompressors the reader returns to Hadoop's shared CodecPool when it closes (used after
     * that, another thread's reader could be given the same decompressor).
     */
    public static final class Group implements AutoCloseable {
        private final Split split;
        private final MessageType projection;
        private final ColumnReadStoreImpl store;
        private final ParquetFileReader reader;
        private final PageReadStore pages;
        private final BlockMetaData block;

        private Group(Split split, MessageType projection, ColumnReadStoreImpl store, ParquetFileReader reader,
                      PageReadStore pages, BlockMetaData block) {
            this.split = split;
            this.projection = projection;
            this.store = store;
            this.reader = reader;
            this.pages = pages;
            this.block = block;
        }

        /** Reads the named columns' pages of {@code s}; {@link #close} closes the file. */
        public static Group open(Configuration conf, Split s, Collection<String> columns) throws IOException {
            ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(s.file()), conf));
            try {
                MessageType projection = projection(r.getFooter().getFileMetaData().getSchema(), columns);
                r.setRequestedSchema(projection);
                PageReadStore pages = r.readRowGroup(s.group());
                if (pages == null || pages.getRowCount() != s.rows()) {
                    throw new IOException("row group " + s.group() + " of " + s.file() + " has "
                            + (pages == null ? 0 : pages.getRowCount()) + " rows, its footer said " + s.rows()
                            + "; was the input changed while it was read?");
                }
                return new Group(s, projection, new ColumnReadStoreImpl(pages,
                        new DummyRecordConverter(projection).getRootConverter(), projection,
                        r.getFooter().getFileMetaData().getCreatedBy()), r, pages, r.getFooter().getBlocks().get(s.group()));
            } catch (IOException | RuntimeException e) {
                r.close();
                throw e;
            }
        }

        /** Closes the file (and returns its decompressors to the pool). */
        @Override
        public void close() throws IOException {
            reader.close();
        }

        /** A flat column's values into {@code out[row][slot]}: Spark's Java type for {@code t}, null where null. */
        public void flat(String column, DataType t, Object[][] out, int slot) {
            ColumnReader cr = store.getColumnReader(leaves(projection, column).get(0));
            int maxDef = cr.getDescriptor().getMaxDefinitionLevel();
            for (int i = 0; i < split.rows(); i++) {
                Object v = null;
                if (cr.getCurrentDefinitionLevel() == maxDef) {
                    if (t.equals(DataTypes.LongType)) {
                        v = cr.getLong();
                    } else if (t.equals(DataTypes.IntegerType)) {
                        v = cr.getInteger();
                    } else if (t.equals(DataTypes.ShortType)) {
                        v = (short) cr.getInteger();
                    } else if (t.equals(DataTypes.ByteType)) {
                        v = (byte) cr.getInteger();
                    } else if (t.equals(DataTypes.DoubleType)) {
                        v = cr.getDouble();
                    } else if (t.equals(DataTypes.FloatType)) {
                        v = cr.getFloat();
                    } else if (t.equals(DataTypes.StringType)) {
                        v = cr.getBinary().toStringUsingUTF8();
                    } else {
                        v = cr.getBoolean();
                    }
                }
                out[i][slot] = v;
                cr.consume();
            }
        }

        /**
         * An array column's rows, in order, numbered from the split's start. Definition levels: below
         * the column's own level the array is null; at or above the repeated level an element is
         * present, null below the leaf's level.
         */
        public void array(String column, boolean f32, ArraySink sink) {
            ColumnDescriptor cd = leaves(projection, column).get(0);
            int[] def = arrayLevels(cd);
            if (decodesPages(column)) {
                pageArray(cd, column, f32, sink, def[0], def[1]);
            } else {
                arrayByColumnReader(cd, column, f32, sink, def[0], def[1]);
            }
        }

        /** Whether {@link #array} decodes the column's pages itself: PLAIN or dictionary values and RLE levels only. */
        boolean decodesPages(String column) {
            return decodable(leaves(projection, column).get(0));
        }

        /** {@link #array} through parquet's column reader, whatever the encodings; package-private for tests. */
        void arrayByColumnReader(String column, boolean f32, ArraySink sink) {
            ColumnDescriptor cd = leaves(projection, column).get(0);
            int[] def = arrayLevels(cd);
            arrayByColumnReader(cd, column, f32, sink, def[0], def[1]);
        }

        private void arrayByColumnReader(ColumnDescriptor cd, String column, boolean f32, ArraySink sink, int defArray, int defElement) {
            int defValue = cd.getMaxDefinitionLevel();
            ColumnReader cr = store.getColumnReader(cd);
            RowAssembly rows = new RowAssembly(sink);
            for (long i = 0, total = cr.getTotalValueCount(); i < total; i++) {
                if (cr.getCurrentRepetitionLevel() == 0) {
                    rows.next();
                }
                int def = cr.getCurrentDefinitionLevel();
                if (def < defArray) {
                    rows.isNull = true;
                } else if (def == defValue) {
                    rows.room(1)[rows.len++] = f32 ? cr.getFloat() : cr.getDouble();
                } else if (def >= defElement) {
                    rows.nullElement();
                }
                cr.consume();
            }
            rows.finish(column);
        }

        /**
         * An array column's rows as both decoders assemble them from the levels: {@link #next} at
         * repetition level 0 hands the finished row to the sink and starts another.
         */
        private final class RowAssembly {
            private final ArraySink sink;
            /** The row's elements so far: {@code x[0..len)}. */
            double[] x = new double[1024];
            int len;
            boolean isNull;
            private int firstNull = -1;
            private long row = -1;

            RowAssembly(ArraySink sink) {
                this.sink = sink;
            }

            void next() {
                if (row >= 0) {
                    emit();
                }
                row++;
                len = 0;
                firstNull = -1;
                isNull = false;
            }

            /** {@code x}, with room for {@code n} more elements after {@code len}. */
            double[] room(int n) {
                if (len + n > x.length) {
                    x = Arrays.copyOf(x, Math.max(2 * x.length, len + n));
                }
                return x;
            }

            void nullElement() {
                room(1);
                if (firstNull < 0) {
                    firstNull = len;
                }
                x[len++] = 0;
            }

            private void emit() {
                sink.row(split.start() + row, isNull ? null : Arrays.copyOf(x, len), isNull ? 0 : len, firstNull);
            }

            /** Hands over the last row and checks the row count against the footer's. */
            void finish(String column) {
                if (row >= 0) {
                    emit();
                }
                if (row + 1 != split.rows()) {
                    throw new IllegalStateException("row group " + split.group() + " of " + split.file() + ": read " + (row + 1)
                            + " rows of '" + column + "', expected " + split.rows());
                }
            }
        }

        /**
         * The definition levels of an array column: below the first the array is null; at or above
         * the second an element is present.
         */
        private int[] arrayLevels(ColumnDescriptor cd) {
            String[] path = cd.getPath();
            // a top-level repeated leaf (a legacy layout) is never null: no values is an empty array
            int defArray = projection.getType(path[0]).isRepetition(Type.Repetition.REPEATED) ? 0
                    : projection.getMaxDefinitionLevel(path[0]);
            int defElement = cd.getMaxDefinitionLevel();
            for (int k = 1; k <= path.length; k++) {
                String[] prefix = Arrays.copyOf(path, k);
                if (projection.getType(prefix).isRepetition(Type.Repetition.REPEATED)) {
                    defElement = projection.getMaxDefinitionLevel(prefix);
                    break;
                }
            }
            return new int[] {defArray, defElement};
        }

        /** Whether the column chunk's metadata lists only the encodings {@link #pageArray} reads. */
        private boolean decodable(ColumnDescriptor cd) {
            for (ColumnChunkMetaData c : block.getColumns()) {
                if (c.getPath().equals(ColumnPath.get(cd.getPath()))) {
                    for (Encoding e : c.getEncodings()) {
                        if (e != Encoding.PLAIN && e != Encoding.RLE && !dictionary(e)) {
                            return false;
                        }
                    }
                    return true;
                }
            }
            return false;
        }

        private static boolean dictionary(Encoding e) {
            return e == Encoding.PLAIN_DICTIONARY || e == Encoding.RLE_DICTIONARY;
        }

        /**
         * {@link #array} for a chunk of PLAIN or dictionary values with RLE levels, decoded page by
         * page: the levels into int arrays, then each row's present elements copied in bulk from the
         * page's little-endian bytes, or looked up in the dictionary page by their decoded indexes.
         * The same rows as the column reader's loop (which the tests compare with Spark SQL), at a
         * few ns per value instead of tens: this read is what the Gram job's tiles wait for.
         */
        private void pageArray(ColumnDescriptor cd, String column, boolean f32, ArraySink sink, int defArray, int defElement) {
            int defValue = cd.getMaxDefinitionLevel();
            int rlWidth = BytesUtils.getWidthFromMaxInt(cd.getMaxRepetitionLevel());
            int dlWidth = BytesUtils.getWidthFromMaxInt(defValue);
            PageReader pr = pages.getPageReader(cd);
            int[] rls = new int[0];
            int[] dls = new int[0];
            int[] ids = new int[0];
            double[] dict = null;
            RowAssembly rows = new RowAssembly(sink);
            try {
                DictionaryPage dp = pr.readDictionaryPage();
                if (dp != null) { // PLAIN values, whichever dictionary encoding the chunk names
                    ByteBuffer b = dp.getBytes().toByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
                    dict = new double[dp.getDictionarySize()];
                    for (int i = 0; i < dict.length; i++) {
                        dict[i] = f32 ? b.getFloat() : b.getDouble();
                    }
                }
                for (DataPage page = pr.readPage(); page != null; page = pr.readPage()) {
                    int count = page.getValueCount();
                    if (rls.length < count) {
                        rls = new int[count];
                        dls = new int[count];
                    }
                    ByteBuffer values;
                    Encoding encoding;
                    if (page instanceof DataPageV1 v1) {
                        encoding = v1.getValueEncoding();
                        if (v1.getRlEncoding() != Encoding.RLE || v1.getDlEncoding() != Encoding.RLE
                                || encoding != Encoding.PLAIN && !dictionary(encoding)) {
                            throw new IllegalStateException("page encodings " + v1.getRlEncoding() + "/" + v1.getDlEncoding()
                                    + "/" + v1.getValueEncoding() + " not listed in the column chunk's metadata");
                        }
                        ByteBuffer b = v1.getBytes().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                        levels(section(b), rlWidth, count, rls);
                        levels(section(b), dlWidth, count, dls);
                        values = b.slice().order(ByteOrder.LITTLE_ENDIAN);
                    } else if (page instanceof DataPageV2 v2) {
                        encoding = v2.getDataEncoding();
                        if (encoding != Encoding.PLAIN && !dictionary(encoding)) {
                            throw new IllegalStateException("page encoding " + v2.getDataEncoding() + " not listed in the column chunk's metadata");
                        }
                        levels(v2.getRepetitionLevels().toByteBuffer(), rlWidth, count, rls);
                        levels(v2.getDefinitionLevels().toByteBuffer(), dlWidth, count, dls);
                        values = v2.getData().toByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN);
                    } else {
                        throw new IllegalStateException("unknown page type " + page.getClass().getName());
                    }
                    boolean indexed = dictionary(encoding);
                    if (indexed) { // one byte of bit width, then the present values' indexes, RLE / bit-packed
                        if (dict == null) {
                            throw new IllegalStateException("a dictionary-encoded page without a dictionary page");
                        }
                        int present = 0;
                        for (int k = 0; k < count; k++) {
                            present += dls[k] == defValue ? 1 : 0;
                        }
                        if (ids.length < present) {
                            ids = new int[present];
                        }
                        int width = values.get() & 0xFF;
                        levels(values, width, present, ids);
                    }
                    java.nio.DoubleBuffer doubles = values.asDoubleBuffer();
                    java.nio.FloatBuffer floats = values.asFloatBuffer();
                    int at = 0; // the page's next value
                    for (int k = 0; k < count; ) {
                        if (rls[k] == 0) {
                            rows.next();
                        }
                        int def = dls[k];
                        if (def == defValue) {
                            // present elements of this row that follow each other: one bulk copy
                            int j = k + 1;
                            while (j < count && rls[j] != 0 && dls[j] == defValue) {
                                j++;
                            }
                            int n = j - k;
                            double[] x = rows.room(n);
                            int len = rows.len;
                            if (indexed) {
                                for (int i = 0; i < n; i++) {
                                    x[len + i] = dict[ids[at + i]];
                                }
                            } else if (f32) {
                                for (int i = 0; i < n; i++) {
                                    x[len + i] = floats.get(at + i);
                                }
                            } else {
                                doubles.get(at, x, len, n);
                            }
                            at += n;
                            rows.len += n;
                            k = j;
                            continue;
                        }
                        if (def < defArray) {
                            rows.isNull = true;
                        } else if (def >= defElement) {
                            rows.nullElement();
                        }
                        k++;
                    }
                }
            } catch (IOException e) {
                throw new ParquetDecodingException("could not decode a page of '" + column + "' in row group " + split.group()
                        + " of " + split.file(), e);
            }
            rows.finish(column);
        }

        /**
         * Decodes {@code count} levels of bit width {@code width} from the RLE / bit-packing hybrid
         * encoding (Parquet's Encodings.md: runs, each a ULEB128 header whose low bit says bit-packed
         * groups of eight values or one repeated value) into {@code out[0..count)}.
         */
        static void levels(ByteBuffer in, int width, int count, int[] out) {
            int valueBytes = (width + 7) / 8;
            int mask = width == 32 ? -1 : (1 << width) - 1;
            int k = 0;
            while (k < count) {
                long header = 0;
                for (int shift = 0; ; shift += 7) {
                    int b = in.get() & 0xFF;
                    header |= (long) (b & 0x7F) << shift;
                    if (b < 0x80) {
                        break;
                    }
                }
                if ((header & 1) == 0) {
                    int value = 0;
                    for (int i = 0; i < valueBytes; i++) {
                        value |= (in.get() & 0xFF) << (8 * i);
                    }
                    int end = (int) Math.min(count, k + (header >>> 1));
                    Arrays.fill(out, k, end, value);
                    k = end;
                } else {
                    // eight values take exactly `width` bytes, so a run ends on a byte; only the
                    // page's last run can hold padding values, past count, which are not read
                    long groups = header >>> 1;
                    int end = (int) Math.min(count, k + 8 * groups);
                    long acc = 0;
                    int bits = 0;
                    for (; k < end; k++) {
                        while (bits < width) {
                            acc |= (long) (in.get() & 0xFF) << bits;
                            bits += 8;
                        }
                        out[k] = (int) (acc & mask);
                        acc >>>= width;
                        bits -= width;
                    }
                }
            }
        }

        /** A v1 page's level section at {@code b}'s position (a 4-byte little-endian length, then the runs); {@code b} moves past it. */
        private static ByteBuffer section(ByteBuffer b) {
            int n = b.getInt();
            ByteBuffer out = b.slice().limit(n);
            b.position(b.position() + n);
            return out;
        }
    }
}
