package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.reflect.Field;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SessionStateHelper$;
import org.junit.jupiter.api.Test;

/**
 * The session's SQL and Hadoop configurations as Spark's session state gives them (runtime settings
 * included), and without building that state when nothing had.
 */
class SessionConfsTest {

    /** Whether Spark has built this session's SQL state (its private lazy field, read by reflection). */
    private static Object state(SparkSession s) throws Exception {
        Field f = org.apache.spark.sql.classic.SparkSession.class.getDeclaredField("sessionState");
        f.setAccessible(true);
        return f.get(s);
    }

    @Test
    void theSettingsAreTheSessionStatesRuntimeOnesIncluded() {
        SparkSession s = SparkTestSupport.session().newSession();
        s.conf().set("fs.ntk.test.key", "runtime value");
        s.conf().set("spark.sql.parquet.binaryAsString", "true");
        Configuration viaState = SessionStateHelper$.MODULE$.getHadoopConf(s);
        Configuration ours = SessionConfs.hadoop(s);
        assertEquals("runtime value", ours.get("fs.ntk.test.key"));
        assertEquals(viaState.size(), ours.size());
        for (java.util.Map.Entry<String, String> e : viaState) {
            assertEquals(e.getValue(), ours.getRaw(e.getKey()), e.getKey());
        }
        assertSame(SessionStateHelper$.MODULE$.getSqlConf(s), SessionConfs.sql(s));
        assertEquals(true, SessionConfs.sql(s).isParquetBinaryAsString());
        // a new Configuration each time, as Spark's: callers may change it
        assertEquals(false, ours == SessionConfs.hadoop(s));
    }

    @Test
    void aSessionWhoseStateNobodyBuiltKeepsItUnbuilt() throws Exception {
        SparkSession fresh = SparkTestSupport.session().newSession();
        assertNull(state(fresh));
        assertEquals(false, SessionConfs.sql(fresh).isParquetBinaryAsString());
        assertNotNull(SessionConfs.hadoop(fresh).get("fs.defaultFS"));
        assertNull(state(fresh), "reading the settings built no session state");
        // the helper Spark offers builds it (what the input reads called before)
        SessionStateHelper$.MODULE$.getSqlConf(fresh);
        assertNotNull(state(fresh));
    }
}
