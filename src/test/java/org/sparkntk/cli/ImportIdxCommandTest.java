package org.sparkntk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.sparkntk.io.IdxTest;

/** import-idx on IDX files written by the test, read back by Spark. */
class ImportIdxCommandTest {

    @Test
    void importsImagesScaledTo01() throws Exception {
        Path dir = Files.createTempDirectory("idx");
        Path img = dir.resolve("img.gz");
        Path lab = dir.resolve("lab");
        Files.write(img, IdxTest.idx(new int[] {3, 2, 2}, new int[] {0, 255, 51, 102, 1, 2, 3, 4, 9, 9, 9, 9}, true));
        Files.write(lab, IdxTest.idx(new int[] {3}, new int[] {7, 0, 9}, false));
        Path out = dir.resolve("out.parquet");
        boolean own = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        SparkSession spark = SparkSession.builder().master("local[1]").appName("idx-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        assertEquals(0, Main.run("import-idx", "--images", img.toString(), "--labels", lab.toString(),
                "--output", out.toString()));
        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        assertEquals(3, rows.size());
        assertEquals("StructType(StructField(id,LongType,true),StructField(features,ArrayType(DoubleType,true),true),"
                + "StructField(label,IntegerType,true))", spark.read().parquet(out.toString()).schema().toString());
        assertEquals(0L, rows.get(0).getLong(0));
        assertEquals(List.of(0.0, 1.0, 0.2, 0.4), rows.get(0).getList(1));
        assertEquals(7, rows.get(0).getInt(2));
        assertEquals(9, rows.get(2).getInt(2));
        // exists: refused, exit 2
        assertEquals(2, Main.run("import-idx", "--images", img.toString(), "--labels", lab.toString(), "--output", out.toString()));
        // count mismatch: exit 2, nothing written
        Path lab2 = dir.resolve("lab2");
        Files.write(lab2, IdxTest.idx(new int[] {2}, new int[] {7, 0}, false));
        Path out2 = dir.resolve("out2");
        assertEquals(2, Main.run("import-idx", "--images", img.toString(), "--labels", lab2.toString(), "--output", out2.toString()));
        assertFalse(Files.exists(out2));
        if (own) {
            spark.stop();
        }
    }
}
