package org.sparkntk.bench;

import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkntk.api.KernelResult;
import org.sparkntk.api.NtkKernels;
import org.sparkntk.api.NtkSpec;
import org.sparkntk.io.Synthetic;
import org.sparkntk.io.SyntheticParquet;

/**
 * What the Java API's temporary Parquet copy of a Dataset costs: in one local-mode JVM,
 * alternately, the Gram of a plain Parquet scan (read in place, the path {@code ntk gram} takes)
 * and of the same rows behind a filter (not a plain scan: its columns are copied to a temporary
 * Parquet folder first). Usage: java -cp ... org.sparkntk.bench.ApiBench WORKDIR N D PAIRS
 */
public final class ApiBench {

    private ApiBench() {
    }

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        int n = Integer.parseInt(args[1]);
        int d = Integer.parseInt(args[2]);
        int pairs = Integer.parseInt(args[3]);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ApiBench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        spark.conf().set(NtkKernels.TEMP_DIR_CONF, dir + "/tmp");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        String in = dir + "/in.parquet";
        SyntheticParquet.write(new Synthetic(new Synthetic.Spec(n, d, 4, 7, 1.0, false)), SyntheticParquet.Format.ARRAY,
                SyntheticParquet.IdType.LONG, in, true, conf);
        NtkSpec spec = NtkSpec.builder().activation("relu").depth(3).idCol("id").build();
        for (int p = 0; p < pairs; p++) {
            for (boolean copied : new boolean[] {false, true}) {
                Dataset<Row> ds = spark.read().parquet(in);
                if (copied) {
                    ds = ds.where("id >= 0");
                }
                long t0 = System.nanoTime();
                try (KernelResult k = NtkKernels.of(spec).gram(ds)) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "RESULT pair %d %s: wall %.1f s, job %.1f s (read %.1f, tiles %.1f)%n", p,
                            copied ? "copied " : "in place", s, k.summary().wallSeconds(),
                            k.manifest().timingsSeconds().get("read"), k.manifest().timingsSeconds().get("tiles"));
                }
            }
        }
        spark.stop();
    }
}
