package org.sparkntk.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class HdfsSmokeIT {
    @Test
    void sparkReadsAndWritesHdfs() throws Exception {
        try (MiniHdfs h = new MiniHdfs(StandaloneCluster.PROJECT.resolve("target/cluster-it/hdfs-smoke"))) {
            SparkSession s = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
            try {
                s.range(10).write().parquet(h.uri() + "/x");
                assertEquals(10, s.read().parquet(h.uri() + "/x").count());
            } finally {
                s.stop();
            }
        }
    }
}
