package org.sparkntk.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** What a session SparkOptions creates adds to the user's settings: only for a local master, never over theirs. */
class SparkOptionsTest {

    private static final String RESULT = "spark.task.maxDirectResultSize";
    private static final String UI = "spark.ui.enabled";

    @Test
    void aLocalSessionSendsTaskResultsDirectlyAndStartsNoWebUi() {
        Map<String, String> both = Map.of(RESULT, "128m", UI, "false");
        assertEquals(both, SparkOptions.localDefaults("local[*]", new SparkConf(false), Map.of()));
        assertEquals(both, SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of()));
        // Spark reads it as a size: 128 MB, its cap (spark.rpc.message.maxSize) by default
        assertEquals(128L << 20, new SparkConf(false).set(RESULT, SparkOptions.LOCAL_DIRECT_RESULT_SIZE).getSizeAsBytes(RESULT));
    }

    @Test
    void aClusterOrTheUsersOwnSettingIsLeftAlone() {
        assertTrue(SparkOptions.localDefaults("spark://127.0.0.1:7077", new SparkConf(false), Map.of()).isEmpty());
        assertTrue(SparkOptions.localDefaults("yarn", new SparkConf(false), Map.of()).isEmpty());
        // --conf
        assertEquals(Map.of(UI, "false"), SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of(RESULT, "4m")));
        assertEquals(Map.of(RESULT, "128m"), SparkOptions.localDefaults("local[2]", new SparkConf(false), Map.of(UI, "true")));
        // spark-submit's or spark-defaults' settings (system properties)
        assertEquals(Map.of(UI, "false"), SparkOptions.localDefaults("local[2]", new SparkConf(false).set(RESULT, "4m"), Map.of()));
        assertEquals(Map.of(RESULT, "128m"), SparkOptions.localDefaults("local[2]", new SparkConf(false).set(UI, "true"), Map.of()));
    }
}
