package org.sparkntk.spec;

import java.io.InputStream;
import java.util.Properties;

/** The build's version and JVM options, from resources filtered by Maven. */
public final class BuildInfo {

    private BuildInfo() {
    }

    /** spark-ntk's version, e.g. 0.1.0-SNAPSHOT. */
    public static String version() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/spark-ntk/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
