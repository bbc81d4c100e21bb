package org.sparkntk.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session SparkOptions builds: a local run has no web UI unless --conf asks for one. */
class SparkOptionsTest {

    @TempDir
    Path tmp;

    private SparkOptions options(String master) {
        SparkOptions o = new SparkOptions();
        o.master = master;
        o.conf.put("spark.local.dir", tmp.toString());
        return o;
    }

    @Test
    void localRunHasNoWebUiUnlessAsked() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        try (SparkOptions.Session s = options("local[1]").session("t")) {
            assertTrue(s.owned());
            assertEquals("false", s.spark().conf().get("spark.ui.enabled"));
            assertTrue(s.spark().sparkContext().uiWebUrl().isEmpty(), "no UI server started");
        }
        SparkOptions asked = options("local[1]");
        asked.conf.put("spark.ui.enabled", "true");
        asked.conf.put("spark.ui.port", "0");
        try (SparkOptions.Session s = asked.session("t")) {
            assertEquals("true", s.spark().conf().get("spark.ui.enabled"));
            assertFalse(s.spark().sparkContext().uiWebUrl().isEmpty(), "the UI the user asked for");
        }
    }
}
