package org.sparkntk.io;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a small table of rows held on the driver (a regression's predictions, a model's
 * coefficients) as one Parquet file the way Spark SQL's writer lays it out, without a Spark SQL
 * query: a directory with {@code part-00000-<uuid>-c000.snappy.parquet} and {@code _SUCCESS}, the
 * message named {@code spark_schema}, arrays as 3-level LISTs with an {@code element} leaf, tinyint
 * and smallint as annotated INT32, and the Spark schema in the footer under
 * {@code org.apache.spark.sql.parquet.row.metadata}, so Spark reads back the same types.
 *
 * <p>Why: in a fresh JVM the first Spark SQL write spends about a second planning and compiling
 * its query before it writes a few hundred KB (docs/benchmarks.md, "Stop 22"). It covers the column
 * types {@link #covers} lists; callers write anything else (decimals, dates, timestamps, binary,
 * nested rows) with Spark SQL, as they do everything with {@code -Dntk.write=spark}.
 */
public final class RowParquet {

    /** The footer key under which Spark SQL stores a file's Spark schema (as JSON). */
    public static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";
    /** The footer key Spark SQL stores its version under. */
    public static final String SPARK_VERSION_KEY = "org.apache.spark.version";

    private RowParquet() {
    }

    /** {@code -Dntk.write=spark} writes every driver-side table with Spark SQL (default: this writer where it applies). */
    public static boolean enabled() {
        return !"spark".equals(System.getProperty("ntk.write"));
    }

    /** True when {@link #enabled} and every column of {@code schema} has a type this writer writes. */
    public static boolean covers(StructType schema) {
        return enabled() && unsupported(schema) == null;
    }

    /** The first column whose type this writer does not write, or null. */
    private static StructField unsupported(StructType schema) {
        for (StructField f : schema.fields()) {
            DataType t = f.dataType();
            if (t instanceof ArrayType a ? !flat(a.elementType()) : !flat(t)) {
                return f;
            }
        }
        return null;
    }

    private static boolean flat(DataType t) {
        return t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType) || t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType)
                || t.equals(DataTypes.StringType) || t.equals(DataTypes.BooleanType);
    }

    /**
     * Writes {@code rows} (values as Spark's {@code createDataFrame} takes them; an array as a
     * double[], an Object[] or a List) into the new directory {@code dir}, which must not exist.
     * Refuses a schema {@link #covers} does not cover.
     */
    public static void write(Configuration conf, Path dir, StructType schema, List<Row> rows) throws IOException {
        StructField bad = unsupported(schema);
        if (bad != null) {
            throw new IllegalArgumentException("column '" + bad.name() + "' of type " + bad.dataType().simpleString()
                    + " is not written by RowParquet; use Spark SQL");
        }
        FileSystem fs = dir.getFileSystem(conf);
        if (fs.exists(dir)) {
            throw new IOException(dir + " exists");
        }
        fs.mkdirs(dir);
        Path file = new Path(dir, "part-00000-" + UUID.randomUUID() + "-c000.snappy.parquet");
        MessageType message = parquetSchema(schema);
        try {
            try (ParquetWriter<Row> w = new Builder(HadoopOutputFile.fromPath(file, conf), schema, message)
                    .withWriteMode(ParquetFileWriter.Mode.CREATE)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withConf(conf)
                    .build()) {
                for (Row r : rows) {
                    w.write(r);
                }
            }
            fs.create(new Path(dir, "_SUCCESS"), false).close();
        } catch (IOException | RuntimeException e) {
            fs.delete(dir, true);
            throw e;
        }
    }

    /** The Parquet schema Spark SQL writes for {@code schema} (its default, non-legacy layout). */
    static MessageType parquetSchema(StructType schema) {
        Types.MessageTypeBuilder b = Types.buildMessage();
        for (StructField f : schema.fields()) {
            Type.Repetition rep = f.nullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
            if (f.dataType() instanceof ArrayType a) {
                Type.Repetition er = a.containsNull() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
                b.addField(Types.buildGroup(rep).as(LogicalTypeAnnotation.listType())
                        .addField(Types.repeatedGroup().addField(primitive(a.elementType(), er, "element")).named("list"))
                        .named(f.name()));
            } else {
                b.addField(primitive(f.dataType(), rep, f.name()));
            }
        }
        return b.named("spark_schema");
    }

    private static Type primitive(DataType t, Type.Repetition rep, String name) {
        if (t.equals(DataTypes.LongType)) {
            return Types.primitive(PrimitiveTypeName.INT64, rep).named(name);
        } else if (t.equals(DataTypes.IntegerType)) {
            return Types.primitive(PrimitiveTypeName.INT32, rep).named(name);
        } else if (t.equals(DataTypes.ShortType)) {
            return Types.primitive(PrimitiveTypeName.INT32, rep).as(LogicalTypeAnnotation.intType(16, true)).named(name);
        } else if (t.equals(DataTypes.ByteType)) {
            return Types.primitive(PrimitiveTypeName.INT32, rep).as(LogicalTypeAnnotation.intType(8, true)).named(name);
        } else if (t.equals(DataTypes.DoubleType)) {
            return Types.primitive(PrimitiveTypeName.DOUBLE, rep).named(name);
        } else if (t.equals(DataTypes.FloatType)) {
            return Types.primitive(PrimitiveTypeName.FLOAT, rep).named(name);
        } else if (t.equals(DataTypes.StringType)) {
            return Types.primitive(PrimitiveTypeName.BINARY, rep).as(LogicalTypeAnnotation.stringType()).named(name);
        } else if (t.equals(DataTypes.BooleanType)) {
            return Types.primitive(PrimitiveTypeName.BOOLEAN, rep).named(name);
        }
        throw new IllegalArgumentException("no Parquet type for " + t.simpleString());
    }

    private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
        private final StructType schema;
        private final MessageType message;

        Builder(OutputFile file, StructType schema, MessageType message) {
            super(file);
            this.schema = schema;
            this.message = message;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Row> getWriteSupport(Configuration conf) {
            return new RowWriteSupport(schema, message);
        }
    }

    /** Rows to a record consumer, field by field; a null value is an absent field. */
    private static final class RowWriteSupport extends WriteSupport<Row> {
        private final StructType schema;
        private final MessageType message;
        private RecordConsumer out;

        RowWriteSupport(StructType schema, MessageType message) {
            this.schema = schema;
            this.message = message;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            Map<String, String> meta = new HashMap<>();
            meta.put(SPARK_SCHEMA_KEY, schema.json());
            meta.put(SPARK_VERSION_KEY, org.apache.spark.package$.MODULE$.SPARK_VERSION_SHORT());
            return new WriteContext(message, meta);
        }

        @Override
        public String getName() {
            return "spark";
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Row row) {
            StructField[] fields = schema.fields();
            if (row.length() != fields.length) {
                throw new IllegalArgumentException("a row has " + row.length() + " values for " + fields.length + " columns");
            }
            out.startMessage();
            for (int i = 0; i < fields.length; i++) {
                Object v = row.get(i);
                if (v == null) {
                    if (!fields[i].nullable()) {
                        throw new IllegalArgumentException("column '" + fields[i].name() + "' is not nullable but a value is null");
                    }
                    continue;
                }
                out.startField(fields[i].name(), i);
                if (fields[i].dataType() instanceof ArrayType a) {
                    writeList(a, v, fields[i].name());
                } else {
                    value(fields[i].dataType(), v);
                }
                out.endField(fields[i].name(), i);
            }
            out.endMessage();
        }

        private void writeList(ArrayType a, Object v, String name) {
            out.startGroup();
            if (v instanceof double[] d && a.elementType().equals(DataTypes.DoubleType)) {
                // the common case (scores, coefficients, features): no boxing
                SyntheticParquet.listElements(out, d);
                out.endGroup();
                return;
            }
            List<?> items = v instanceof Object[] o ? java.util.Arrays.asList(o) : v instanceof List<?> l ? l : null;
            if (items == null) {
                throw new IllegalArgumentException("column '" + name + "' holds a " + v.getClass().getName()
                        + ", not a double[], Object[] or List of " + a.elementType().simpleString());
            }
            if (!items.isEmpty()) {
                out.startField("list", 0);
                for (Object item : items) {
                    out.startGroup();
                    if (item != null) {
                        out.startField("element", 0);
                        value(a.elementType(), item);
                        out.endField("element", 0);
                    } else if (!a.containsNull()) {
                        throw new IllegalArgumentException("column '" + name + "' holds no nulls but an element is null");
                    }
                    out.endGroup();
                }
                out.endField("list", 0);
            }
            out.endGroup();
        }

        /** One value; its Java class must be the one Spark SQL takes for the type (no silent narrowing). */
        private void value(DataType t, Object v) {
            if (t.equals(DataTypes.LongType) && v instanceof Long l) {
                out.addLong(l);
            } else if (t.equals(DataTypes.IntegerType) && v instanceof Integer i) {
                out.addInteger(i);
            } else if (t.equals(DataTypes.ShortType) && v instanceof Short s) {
                out.addInteger(s);
            } else if (t.equals(DataTypes.ByteType) && v instanceof Byte b) {
                out.addInteger(b);
            } else if (t.equals(DataTypes.DoubleType) && v instanceof Double d) {
                out.addDouble(d);
            } else if (t.equals(DataTypes.FloatType) && v instanceof Float f) {
                out.addFloat(f);
            } else if (t.equals(DataTypes.StringType) && v instanceof String s) {
                out.addBinary(Binary.fromString(s));
            } else if (t.equals(DataTypes.BooleanType) && v instanceof Boolean b) {
                out.addBoolean(b);
            } else {
                throw new IllegalArgumentException("a " + v.getClass().getName() + " is not a value of type " + t.simpleString());
            }
        }
    }
}
