package org.sparkntk.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
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
import org.sparkntk.options.SparkOptions;
import org.sparkntk.spec.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The yardsticks of a job's fixed cost, each run as its own process the way {@code scripts/ntk}
 * starts a job (scripts/bench-gram.sh times them beside the job): what an empty Spark job costs,
 * and what decoding the input with parquet-hadoop alone costs.
 */
final class BenchFixedCost {

    private BenchFixedCost() {
    }

    /** A SparkSession built as the commands build theirs, one job of one element per core, stop. */
    @Command(name = "spark-start", mixinStandardHelpOptions = true,
            description = {"Start Spark as the commands do (same master, --conf and local defaults), run one job of one",
                    "element per core, stop. Prints the seconds from the JVM's start to this command, the session's",
                    "start, the job and the stop: the fixed cost no job can go below."})
    static final class SparkStart implements Callable<Integer> {

        @Mixin
        SparkOptions spark;

        @Override
        public Integer call() {
            double jvm = (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3;
            long t0 = System.nanoTime();
            long t1;
            long t2;
            long n;
            int parallelism;
            try (SparkOptions.Session s = spark.session("spark-ntk bench spark-start")) {
                t1 = System.nanoTime();
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(s.spark().sparkContext());
                parallelism = jsc.defaultParallelism();
                List<Integer> one = new ArrayList<>();
                for (int i = 0; i < parallelism; i++) {
                    one.add(i);
                }
                n = jsc.parallelize(one, parallelism).count();
                t2 = System.nanoTime();
            }
            long t3 = System.nanoTime();
            System.out.printf(Locale.ROOT, "spark-start: JVM to command %.2f s, session %.2f s, job of %d task%s %.2f s, stop %.2f s%n",
                    jvm, (t1 - t0) / 1e9, n, n == 1 ? "" : "s", (t2 - t1) / 1e9, (t3 - t2) / 1e9);
            return 0;
        }
    }

    /** Every value of a Parquet file or folder decoded with parquet-hadoop's column readers, one thread, no Spark. */
    @Command(name = "scan", mixinStandardHelpOptions = true,
            description = {"Decode every value of every column of a Parquet file or folder with parquet-hadoop's column",
                    "readers on one thread, without Spark: what reading the input costs at least (a job's read",
                    "decodes the same pages). Prints MB, values, seconds and MB/s."})
    static final class Scan implements Callable<Integer> {

        @Option(names = "--input", required = true, paramLabel = "PATH", description = "Parquet file or folder of part files.")
        String input;

        @Override
        public Integer call() throws IOException {
            Configuration conf = new Configuration();
            Path p = new Path(input);
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) {
                throw new UserError("'input' " + input + " does not exist");
            }
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
            if (bytes == 0) {
                throw new UserError("'input' " + input + " holds no .parquet file");
            }
            double s = (System.nanoTime() - t0) / 1e9;
            // the sum keeps the JIT from dropping the decoding; printed so that it is used
            System.out.printf(Locale.ROOT, "scan: %.1f MB, %d values in %.2f s, %.0f MB/s, one thread (checksum %.6g)%n",
                    bytes / 1e6, values, s, bytes / 1e6 / s, sum);
            return 0;
        }
    }
}
