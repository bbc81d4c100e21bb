package org.sparkntk.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The active Spark session (tests, spark-submit) or a new local one. */
final class Sessions {

    private Sessions() {
    }

    static SparkSession get(String master, String app) {
        if (SparkSession.getActiveSession().isDefined()) {
            return SparkSession.getActiveSession().get();
        }
        if (SparkSession.getDefaultSession().isDefined()) {
            return SparkSession.getDefaultSession().get();
        }
        SparkSession.Builder b = SparkSession.builder().appName(app);
        if (master != null || !new SparkConf().contains("spark.master")) {
            b.master(master == null ? "local[*]" : master);
        }
        return b.getOrCreate();
    }
}
