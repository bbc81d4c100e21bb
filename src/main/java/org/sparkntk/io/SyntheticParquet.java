package org.sparkntk.io;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.sparkntk.spec.UserError;

/**
 * Writes a {@link Synthetic} data set as one Parquet file with parquet-hadoop directly (no
 * SparkSession: a 16384 x 784 set takes seconds). Columns: {@code id} BIGINT or STRING,
 * {@code features} ARRAY&lt;DOUBLE&gt; or a Spark ML dense Vector, {@code label} INT, and
 * optionally {@code y} DOUBLE. The file is written under a hidden name next to the target and
 * renamed when complete, so a crash never leaves a truncated data set at the target path.
 */
public final class SyntheticParquet {

    /** How the features column is stored. */
    public enum Format { ARRAY, VECTOR }

    /** Type of the id column: row number as BIGINT, or the string "id-" + row number. */
    public enum IdType { LONG, STRING }

    /** What was written. */
    public record Written(String path, long rows, long bytes, double seconds) {
    }

    /** Footer key where Spark keeps its own schema (how a Vector UDT column is recognized). */
    static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    private SyntheticParquet() {
    }

    /** Generates and writes {@code gen}'s rows to {@code output}; refuses an existing path unless {@code overwrite}. */
    public static Written write(Synthetic gen, Format format, IdType idType, String output, boolean overwrite,
                                Configuration conf) throws IOException {
        long t0 = System.nanoTime();
        Path target = new Path(output);
        FileSystem fs = target.getFileSystem(conf);
        if (fs.exists(target) && !overwrite) {
            throw new UserError("'output' " + output + " exists; pass --overwrite to replace it");
        }
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + System.nanoTime());
        Support support = new Support(gen, format, idType);
        boolean done = false;
        try {
            try (ParquetWriter<Long> w = new Builder(HadoopOutputFile.fromPath(tmp, conf), support)
                    .withConf(conf)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withDictionaryEncoding(false)
                    // several row groups for a large set, so Spark reads it with several tasks
                    .withRowGroupSize(32L << 20)
                    .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                    .build()) {
                long n = gen.spec().rows();
                for (long i = 0; i < n; i++) {
                    w.write(i);
                }
            }
            if (fs.exists(target) && !fs.delete(target, true)) {
                throw new IOException("could not delete " + target);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename " + tmp + " to " + target);
            }
            done = true;
        } finally {
            if (!done) {
                fs.delete(tmp, false);
            }
        }
        long bytes = fs.getFileStatus(target).getLen();
        return new Written(target.toString(), gen.spec().rows(), bytes, (System.nanoTime() - t0) / 1e9);
    }

    /** The Parquet schema of a generated file (the same list layout Spark writes: LIST / list / element). */
    static MessageType schema(Format format, IdType idType, boolean target) {
        Types.MessageTypeBuilder b = Types.buildMessage();
        if (idType == IdType.LONG) {
            b.required(PrimitiveTypeName.INT64).named("id");
        } else {
            b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id");
        }
        if (format == Format.ARRAY) {
            b.optionalList().requiredElement(PrimitiveTypeName.DOUBLE).named("features");
        } else {
            // Spark ML VectorUDT's sqlType: struct<type: tinyint, size: int, indices: array<int>, values: array<double>>
            b.optionalGroup()
                    .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(8, true)).named("type")
                    .optional(PrimitiveTypeName.INT32).named("size")
                    .optionalList().requiredElement(PrimitiveTypeName.INT32).named("indices")
                    .optionalList().requiredElement(PrimitiveTypeName.DOUBLE).named("values")
                    .named("features");
        }
        b.required(PrimitiveTypeName.INT32).named("label");
        if (target) {
            b.required(PrimitiveTypeName.DOUBLE).named("y");
        }
        return b.named("spark_schema");
    }

    /**
     * The repeated "list" group of a 3-level LIST of doubles (Spark SQL's array layout), inside
     * its already started outer group; nothing for an empty array. {@link RowParquet} writes its
     * double[] columns with it too.
     */
    static void listElements(RecordConsumer rc, double[] v) {
        if (v.length == 0) {
            return;
        }
        rc.startField("list", 0);
        for (double e : v) {
            rc.startGroup();
            rc.startField("element", 0);
            rc.addDouble(e);
            rc.endField("element", 0);
            rc.endGroup();
        }
        rc.endField("list", 0);
    }

    /** Writes row numbers as records: each record is generated on the fly, nothing is buffered. */
    private static final class Support extends WriteSupport<Long> {
        private final Synthetic gen;
        private final Format format;
        private final IdType idType;
        private final double[] x;
        private RecordConsumer rc;

        Support(Synthetic gen, Format format, IdType idType) {
            this.gen = gen;
            this.format = format;
            this.idType = idType;
            this.x = new double[gen.spec().dim()];
        }

        @Override
        public WriteContext init(Configuration configuration) {
            Map<String, String> meta = new HashMap<>();
            if (format == Format.VECTOR) {
                // without Spark's schema in the footer Spark would see a plain struct, not a Vector
                meta.put(SPARK_SCHEMA_KEY, SparkSchema.json(idType, gen.spec().target()));
            }
            meta.put("spark-ntk.generate", "rows=" + gen.spec().rows() + " dim=" + gen.spec().dim()
                    + " classes=" + gen.spec().classes() + " seed=" + gen.spec().seed() + " noise=" + gen.spec().noise());
            return new WriteContext(schema(format, idType, gen.spec().target()), meta);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.rc = recordConsumer;
        }

        @Override
        public void write(Long row) {
            long i = row;
            int label = gen.row(i, x);
            rc.startMessage();
            rc.startField("id", 0);
            if (idType == IdType.LONG) {
                rc.addLong(i);
            } else {
                rc.addBinary(Binary.fromString("id-" + i));
            }
            rc.endField("id", 0);
            rc.startField("features", 1);
            rc.startGroup();
            if (format == Format.ARRAY) {
                listElements(rc, x);
            } else {
                rc.startField("type", 0);
                rc.addInteger(1); // 1 = dense
                rc.endField("type", 0);
                rc.startField("values", 3);
                rc.startGroup();
                listElements(rc, x);
                rc.endGroup();
                rc.endField("values", 3);
            }
            rc.endGroup();
            rc.endField("features", 1);
            rc.startField("label", 2);
            rc.addInteger(label);
            rc.endField("label", 2);
            if (gen.spec().target()) {
                rc.startField("y", 3);
                rc.addDouble(gen.target(x));
                rc.endField("y", 3);
            }
            rc.endMessage();
        }
    }

    private static final class Builder extends ParquetWriter.Builder<Long, Builder> {
        private final Support support;

        Builder(org.apache.parquet.io.OutputFile file, Support support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Long> getWriteSupport(Configuration conf) {
            return support;
        }
    }

    /** Spark's schema JSON for the vector format; in its own class so the array format never loads Spark classes. */
    private static final class SparkSchema {
        static String json(IdType idType, boolean target) {
            org.apache.spark.sql.types.StructType st = new org.apache.spark.sql.types.StructType()
                    .add("id", idType == IdType.LONG ? org.apache.spark.sql.types.DataTypes.LongType
                            : org.apache.spark.sql.types.DataTypes.StringType, false)
                    .add("features", new org.apache.spark.ml.linalg.VectorUDT(), true)
                    .add("label", org.apache.spark.sql.types.DataTypes.IntegerType, false);
            if (target) {
                st = st.add("y", org.apache.spark.sql.types.DataTypes.DoubleType, false);
            }
            return st.json();
        }
    }
}
