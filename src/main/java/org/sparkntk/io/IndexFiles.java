package org.sparkntk.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Part files of {@code OUT/index/} (docs/format.md): {@code row} BIGINT and {@code id} in the id
 * column's type, both required, uncompressed (N rows of a few bytes; no codec to load), written
 * with parquet-hadoop by the tasks that stage the blocks (no Spark SQL write job). The Parquet types are the ones Spark's writer uses for these Spark
 * types, and the footer carries Spark's schema metadata as Spark's writer does, so Spark, DuckDB
 * and pyarrow read the folder as they read Spark's own output.
 */
public final class IndexFiles {

    /** Footer key under which Spark's Parquet writer stores the Spark schema (ParquetReadSupport.SPARK_METADATA_KEY). */
    static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    private IndexFiles() {
    }

    /** {@code part-00007.parquet}. */
    public static String fileName(int part) {
        return String.format("part-%05d.parquet", part);
    }

    /** The Spark schema of an index: row BIGINT NOT NULL, id (idType) NOT NULL. */
    public static StructType sparkSchema(DataType idType) {
        return new StructType().add("row", DataTypes.LongType, false).add("id", idType, false);
    }

    /** The Parquet schema Spark's writer gives {@link #sparkSchema}. */
    static MessageType schema(DataType idType) {
        Types.MessageTypeBuilder m = Types.buildMessage();
        m.required(PrimitiveTypeName.INT64).named("row");
        if (idType.equals(DataTypes.LongType)) {
            m.required(PrimitiveTypeName.INT64).named("id");
        } else if (idType.equals(DataTypes.IntegerType)) {
            m.required(PrimitiveTypeName.INT32).named("id");
        } else if (idType.equals(DataTypes.ShortType)) {
            m.required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(16, true)).named("id");
        } else if (idType.equals(DataTypes.ByteType)) {
            m.required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(8, true)).named("id");
        } else if (idType.equals(DataTypes.StringType)) {
            m.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id");
        } else {
            throw new IllegalArgumentException("index id type " + idType.simpleString() + " is not supported");
        }
        return m.named("spark_schema");
    }

    /**
     * Writes {@code rows} (matrix row numbers) and their {@code ids} as {@code dir/part-NNNNN.parquet}:
     * to {@code dir/_tmp/} first, then renamed into place, so a retried or speculative task never
     * leaves a partial file under the final name.
     */
    public static void write(Configuration conf, Path dir, int part, DataType idType, long[] rows, List<Object> ids)
            throws IOException {
        Path dest = new Path(dir, fileName(part));
        Path tmp = new Path(new Path(dir, TileFiles.TMP_DIR), fileName(part) + "." + UUID.randomUUID());
        FileSystem fs = dest.getFileSystem(conf);
        try {
            try (ParquetWriter<Integer> w = new Builder(HadoopOutputFile.fromPath(tmp, conf), idType, rows, ids)
                    .withConf(conf)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                    .build()) {
                for (int i = 0; i < rows.length; i++) {
                    w.write(i);
                }
            }
            if (!fs.rename(tmp, dest)) {
                if (fs.exists(dest)) { // an earlier attempt of this task finished the same file
                    fs.delete(tmp, false);
                    return;
                }
                throw new IOException("could not rename " + tmp + " to " + dest);
            }
        } catch (IOException | RuntimeException e) {
            fs.delete(tmp, false);
            throw e;
        }
    }

    /** Record i is (rows[i], ids[i]). */
    private static final class Builder extends ParquetWriter.Builder<Integer, Builder> {
        private final DataType idType;
        private final long[] rows;
        private final List<Object> ids;

        Builder(org.apache.parquet.io.OutputFile file, DataType idType, long[] rows, List<Object> ids) {
            super(file);
            this.idType = idType;
            this.rows = rows;
            this.ids = ids;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Integer> getWriteSupport(Configuration conf) {
            return new Support(idType, rows, ids);
        }
    }

    private static final class Support extends WriteSupport<Integer> {
        private final DataType idType;
        private final long[] rows;
        private final List<Object> ids;
        private RecordConsumer out;

        Support(DataType idType, long[] rows, List<Object> ids) {
            this.idType = idType;
            this.rows = rows;
            this.ids = ids;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            Map<String, String> meta = new HashMap<>();
            meta.put(SPARK_SCHEMA_KEY, sparkSchema(idType).json());
            return new WriteContext(schema(idType), meta);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Integer i) {
            out.startMessage();
            out.startField("row", 0);
            out.addLong(rows[i]);
            out.endField("row", 0);
            out.startField("id", 1);
            Object id = ids.get(i);
            if (id instanceof Long l) {
                out.addLong(l);
            } else if (id instanceof Integer v) {
                out.addInteger(v);
            } else if (id instanceof Short v) {
                out.addInteger(v);
            } else if (id instanceof Byte v) {
                out.addInteger(v);
            } else {
                out.addBinary(Binary.fromConstantByteArray(id.toString().getBytes(StandardCharsets.UTF_8)));
            }
            out.endField("id", 1);
            out.endMessage();
        }
    }
}
