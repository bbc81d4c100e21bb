package org.sparkntk.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkOptionsTest {

    private static final String KEY = "spark.task.maxDirectResultSize";

    @Test
    void aLocalSessionSendsTaskResultsDirectly() {
        assertEquals(Map.of(KEY, "128m"), SparkOptions.localDefaults("local[*]", new SparkConf(false), Map.of()));
        assertEquals(Map.of(KEY, "128m"), SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of()));
        // Spark reads it as a size: 128 MB, its cap (spark.rpc.message.maxSize) by default
        assertEquals(128L << 20, new SparkConf(false).set(KEY, SparkOptions.LOCAL_DIRECT_RESULT_SIZE).getSizeAsBytes(KEY));
    }

    @Test
    void aClusterOrTheUsersOwnSettingIsLeftAlone() {
        assertTrue(SparkOptions.localDefaults("spark://127.0.0.1:7077", new SparkConf(false), Map.of()).isEmpty());
        assertTrue(SparkOptions.localDefaults("yarn", new SparkConf(false), Map.of()).isEmpty());
        assertTrue(SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of(KEY, "4m")).isEmpty());
        assertTrue(SparkOptions.localDefaults("local[2]", new SparkConf(false).set(KEY, "4m"), Map.of()).isEmpty());
    }
}
