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

    @Test
    void augmentAddsOnePixelShiftsWithIdsThatKeepTheSource() throws Exception {
        Path dir = Files.createTempDirectory("idx-aug");
        Path img = dir.resolve("img");
        Path lab = dir.resolve("lab");
        // two 3 x 3 images: 1..9 and 10..90 (pixel / 1 with --scale 1)
        Files.write(img, IdxTest.idx(new int[] {2, 3, 3}, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90},
                false));
        Files.write(lab, IdxTest.idx(new int[] {2}, new int[] {4, 6}, false));
        boolean own = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        SparkSession spark = SparkSession.builder().master("local[1]").appName("idx-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        Path out = dir.resolve("aug4");
        assertEquals(0, Main.run("import-idx", "--images", img.toString(), "--labels", lab.toString(), "--scale", "1",
                "--augment", "shifts:4", "--output", out.toString()));
        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        assertEquals(10, rows.size());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 10L, 11L, 12L, 13L, 14L), rows.stream().map(r -> r.getLong(0)).toList());
        // image 0 and its shifts right, left, down, up (zero fill), written out by hand
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0), rows.get(0).getList(1));
        assertEquals(List.of(0.0, 1.0, 2.0, 0.0, 4.0, 5.0, 0.0, 7.0, 8.0), rows.get(1).getList(1));
        assertEquals(List.of(2.0, 3.0, 0.0, 5.0, 6.0, 0.0, 8.0, 9.0, 0.0), rows.get(2).getList(1));
        assertEquals(List.of(0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0), rows.get(3).getList(1));
        assertEquals(List.of(4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 0.0, 0.0, 0.0), rows.get(4).getList(1));
        Row r13 = rows.get(8);
        assertEquals(List.of(0.0, 0.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0), r13.getList(1));
        assertEquals(6, r13.getInt(2));
        assertEquals(1L, r13.getLong(3));
        assertEquals(3, r13.getInt(4));
        Path out8 = dir.resolve("aug8");
        assertEquals(0, Main.run("import-idx", "--images", img.toString(), "--labels", lab.toString(), "--scale", "1",
                "--augment", "shifts:8", "--output", out8.toString()));
        List<Row> r8 = spark.read().parquet(out8.toString()).orderBy("id").collectAsList();
        assertEquals(18, r8.size());
        // shift 5 is down-right
        assertEquals(List.of(0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 4.0, 5.0), r8.get(5).getList(1));
        // a bad spec and non-square images: exit 2, nothing written
        Path bad = dir.resolve("bad");
        assertEquals(2, Main.run("import-idx", "--images", img.toString(), "--labels", lab.toString(), "--augment", "shifts:5",
                "--output", bad.toString()));
        assertFalse(Files.exists(bad));
        Path rect = dir.resolve("rect");
        Files.write(rect, IdxTest.idx(new int[] {2, 2, 3}, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, false));
        assertEquals(2, Main.run("import-idx", "--images", rect.toString(), "--labels", lab.toString(), "--augment", "shifts:4",
                "--output", bad.toString()));
        assertFalse(Files.exists(bad));
        Path flat = dir.resolve("flat");
        Files.write(flat, IdxTest.idx(new int[] {2, 5}, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false));
        assertEquals(2, Main.run("import-idx", "--images", flat.toString(), "--labels", lab.toString(), "--augment", "shifts:8",
                "--output", bad.toString()));
        assertFalse(Files.exists(bad));
        if (own) {
            spark.stop();
        }
    }
}
