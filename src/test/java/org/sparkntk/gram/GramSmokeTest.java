package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.io.TileStore;

class GramSmokeTest {
    @TempDir
    Path tmp;

    @Test
    void smoke() throws Exception {
        SparkSession spark = SparkTestSupport.session();
        double[][] x = SparkTestSupport.gaussian(50, 5, 1);
        List<Object> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add((long) i);
        }
        String in = tmp.resolve("in").toString();
        SparkTestSupport.write(spark, in, ids, DataTypes.LongType, x);
        String out = tmp.resolve("out").toString();
        var r = SparkTestSupport.cli("gram", "--input", in, "--output", out, "--block-size", "16", "--depths", "1,2");
        assertEquals(0, r.code(), r.err());
        double[][] k = TileStore.dense(new Configuration(), out, "ntk", 1);
        double dot = 0;
        for (int j = 0; j < 5; j++) {
            dot += x[3][j] * x[40][j];
        }
        assertEquals(dot / 5, k[3][40], 1e-12);
        assertEquals(dot / 5, k[40][3], 1e-12);
    }
}
