package org.sparkntk.gram;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.internal.SessionState$;
import org.apache.spark.sql.internal.SessionStateHelper$;

/**
 * A session's SQL configuration and the Hadoop configuration its reads would use, without building
 * the session's SQL state (analyzer, catalog, function registry) when nothing has built it yet.
 * A session's SQL conf is a lazy value of its own, the very object its session state takes as
 * {@code conf} later, so runtime settings ({@code spark.conf().set}) are in it either way. The
 * state around it is 1480 classes a gram run no longer loads, CPU taken from the start-up's
 * other threads on a small driver (docs/benchmarks.md, "Stop 26"); the input reads need only
 * the settings.
 */
public final class SessionConfs {

    private SessionConfs() {
    }

    /** The session's SQL configuration (Spark's {@code sessionState.conf}). */
    public static SQLConf sql(SparkSession spark) {
        if (spark instanceof org.apache.spark.sql.classic.SparkSession classic) {
            return classic.sqlConf();
        }
        return SessionStateHelper$.MODULE$.getSqlConf(spark);
    }

    /**
     * A new Hadoop configuration as the session's own reads build it (Spark's
     * {@code sessionState.newHadoopConf()}): the SparkContext's, with the session's SQL settings over it.
     */
    public static Configuration hadoop(SparkSession spark) {
        if (spark instanceof org.apache.spark.sql.classic.SparkSession classic) {
            return SessionState$.MODULE$.newHadoopConf(spark.sparkContext().hadoopConfiguration(), classic.sqlConf());
        }
        return SessionStateHelper$.MODULE$.getHadoopConf(spark);
    }
}
