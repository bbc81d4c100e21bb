package org.sparkntk.regress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Cost of one K x pass against a plain scan of the same cached tiles (the "iteration <=
 * 1.3x one pass" target). Skipped unless -Dntk.bench=true (-Dtest=TileOperatorBenchTest -Dntk.bench=true;
 * -Dntk.bench.n, -Dntk.bench.k); named *Test so that Surefire finds it.
 */
class TileOperatorBenchTest {

    @Test
    void passVersusScan() {
        Assumptions.assumeTrue(Boolean.getBoolean("ntk.bench"));
        int n = Integer.getInteger("ntk.bench.n", 10000);
        int k = Integer.getInteger("ntk.bench.k", 10);
        int b = 1024;
        boolean own = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        SparkSession spark = SparkSession.builder().master("local[2]").appName("bench").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int nb = (n + b - 1) / b;
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < nb; i++) {
            for (int j = i; j < nb; j++) {
                pairs.add(new int[] {i, j});
            }
        }
        JavaRDD<TileBlock> tiles = jsc.parallelize(pairs, Math.min(pairs.size(), 8)).map(p -> {
            int m = Math.min(b, n - p[0] * b);
            int c = Math.min(b, n - p[1] * b);
            double[] v = new double[m * c];
            Random r = new Random(p[0] * 1000L + p[1]);
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextDouble();
            }
            return new TileBlock(p[0], p[1], (long) p[0] * b, (long) p[1] * b, m, c, v);
        }).persist(StorageLevel.MEMORY_AND_DISK());
        tiles.count();
        TileOperator op = new TileOperator(jsc, tiles, n, b, "bench");
        double[] x = new double[n * k];
        Arrays.fill(x, 1.0);
        double[] out = new double[n * k];
        int reps = 9;
        double[] scan = new double[reps];
        double[] pass = new double[reps];
        for (int r = -2; r < reps; r++) {
            double s = op.scanSeconds();
            long t0 = System.nanoTime();
            op.apply(x, k, out);
            double p = (System.nanoTime() - t0) / 1e9;
            if (r >= 0) {
                scan[r] = s;
                pass[r] = p;
            }
        }
        Arrays.sort(scan);
        Arrays.sort(pass);
        System.out.printf("BENCH n=%d k=%d tiles=%d: scan median %.3f s, K x pass median %.3f s, ratio %.2f%n",
                n, k, pairs.size(), scan[reps / 2], pass[reps / 2], pass[reps / 2] / scan[reps / 2]);
        tiles.unpersist(false);
        if (own) {
            spark.stop();
        }
    }
}
