package org.sparkntk.io;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Where the entry points for Spark code (the Java kernel API, the ML estimators) put their
 * temporary Parquet copies of a Dataset: one setting for both (docs/api.md).
 */
public final class TempDirs {

    /** The Spark setting. */
    public static final String CONF = "spark.ntk.tempDir";
    /** Its default, on the default Hadoop file system ({@code fs.defaultFS}). */
    public static final String DEFAULT = "/tmp";

    private TempDirs() {
    }

    /** The folder the setting names (not qualified; the caller's file system does that). */
    public static Path root(SparkSession spark) {
        return new Path(spark.conf().get(CONF, DEFAULT));
    }
}
