package org.sparkntk.io;

import org.apache.spark.sql.SparkSession;

/** One local[2] SparkSession shared by the test classes of this JVM (starting Spark costs seconds). */
final class LocalSpark {

    private LocalSpark() {
    }

    private static final class Holder {
        static final SparkSession SPARK = SparkSession.builder()
                .master("local[2]")
                .appName("spark-ntk-io-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    static SparkSession get() {
        return Holder.SPARK;
    }
}
