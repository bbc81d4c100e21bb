package org.sparkntk.bench;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.DummyRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The yardsticks of the Gram job's fixed cost (issue 15, item 2), each a separate JVM started the
 * way scripts/ntk starts one:
 * <ul>
 *   <li>{@code empty-spark MASTER [KEY=VALUE ...]}: a SparkSession (with these settings), one Spark
 *   job of one element per core, stop;
 *   prints the time from JVM start to the session, the job, and the stop;</li>
 *   <li>{@code parquet-scan PATH}: every value of every column of a Parquet file or folder decoded
 *   with parquet-hadoop's column readers, one thread, no Spark (a Spark scan cannot be faster
 *   than its decoding).</li>
 * </ul>
 */
public final class FixedCostBench {

    private FixedCostBench() {
    }

    public static void main(String[] args) throws Exception {
        double jvm = (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3;
        switch (args[0]) {
            case "empty-spark" -> {
                long t0 = System.nanoTime();
                SparkSession.Builder builder = SparkSession.builder().appName("empty").master(args[1]);
                for (int i = 2; i < args.length; i++) {
                    String[] kv = args[i].split("=", 2);
                    builder.config(kv[0], kv[1]);
                }
                SparkSession spark = builder.getOrCreate();
                long t1 = System.nanoTime();
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                long n = jsc.parallelize(List.of(1, 2), 2).count();
                long t2 = System.nanoTime();
                spark.stop();
                long t3 = System.nanoTime();
                System.out.printf(Locale.ROOT, "RESULT empty-spark %s %s: JVM to main %.2f s, session %.2f s, job (%d) %.2f s, stop %.2f s%n",
                        args[1], String.join(" ", java.util.Arrays.copyOfRange(args, 2, args.length)), jvm, (t1 - t0) / 1e9, n, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
            }
            case "parquet-scan" -> {
                Configuration conf = new Configuration();
                Path p = new Path(args[0 + 1]);
                FileSystem fs = p.getFileSystem(conf);
                long t0 = System.nanoTime();
                long values = 0;
                long bytes = 0;
                double sum = 0;
                for (FileStatus f : fs.isDirectory(p) ? fs.listStatus(p) : new FileStatus[] {fs.getFileStatus(p)}) {
                    if (!f.getPath().getName().endsWith(".parquet")) {
                        continue;
                    }
                    bytes += f.getLen();
                    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
                        MessageType schema = r.getFooter().getFileMetaData().getSchema();
                        String createdBy = r.getFooter().getFileMetaData().getCreatedBy();
                        for (PageReadStore pages = r.readNextRowGroup(); pages != null; pages = r.readNextRowGroup()) {
                            ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages,
                                    new DummyRecordConverter(schema).getRootConverter(), schema, createdBy);
                            for (ColumnDescriptor cd : schema.getColumns()) {
                                ColumnReader cr = store.getColumnReader(cd);
                                int maxDef = cd.getMaxDefinitionLevel();
                                for (long i = 0, total = cr.getTotalValueCount(); i < total; i++) {
                                    if (cr.getCurrentDefinitionLevel() == maxDef) {
                                        switch (cd.getPrimitiveType().getPrimitiveTypeName()) {
                                            case DOUBLE -> sum += cr.getDouble();
                                            case FLOAT -> sum += cr.getFloat();
                                            case INT32 -> sum += cr.getInteger();
                                            case INT64 -> sum += cr.getLong();
                                            default -> cr.getBinary();
                                        }
                                        values++;
                                    }
                                    cr.consume();
                                }
                            }
                        }
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "RESULT parquet-scan %.1f MB, %d values in %.2f s (%.0f MB/s; JVM to main %.2f s; checksum %.6g)%n",
                        bytes / 1e6, values, s, bytes / 1e6 / s, jvm, sum);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
