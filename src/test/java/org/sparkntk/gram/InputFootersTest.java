package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver-side footer reading that replaces Spark's schema inference gives what Spark gives:
 * the same schema (through a user-given schema too), the same fingerprints, the file keys Spark's
 * {@code _metadata.file_path} uses, the row counts; and it stands aside (null) for the layouts it
 * does not handle, so Spark's own behaviour and messages apply there.
 */
class InputFootersTest {

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static final Configuration CONF = new Configuration();

    @BeforeAll
    static void setUp() {
        spark = SparkTestSupport.session();
    }

    static String sql(String name, String query) {
        String p = tmp.resolve(name).toString();
        spark.sql(query).write().parquet(p);
        return p;
    }

    /** Asserts footers, schema, fingerprints, keys and counts agree with Spark's view of {@code p}. */
    static void agreesWithSpark(String p) {
        InputFooters f = InputFooters.read(CONF, p);
        assertNotNull(f, p);
        Dataset<Row> inferred = spark.read().parquet(p);
        Dataset<Row> given = spark.read().schema(InputTable.footerSchema(spark, f)).parquet(p);
        assertEquals(inferred.schema(), given.schema(), p);
        assertEquals(InputTable.fingerprint(spark, inferred), f.fingerprints(), p);
        TreeSet<String> keys = new TreeSet<>();
        for (Row r : inferred.select("_metadata.file_path").distinct().collectAsList()) {
            keys.add(r.getString(0));
        }
        List<String> uris = new ArrayList<>();
        for (InputFooters.DataFile d : f.files()) {
            if (d.rows() > 0) {
                uris.add(d.uri());
            }
        }
        assertEquals(new ArrayList<>(keys), uris, p);
        assertEquals(inferred.count(), f.rows(), p);
    }

    @Test
    void schemaFingerprintsKeysAndCountsAgreeWithSpark() throws Exception {
        agreesWithSpark(sql("arrays", "SELECT CAST(id AS STRING) AS id, array(CAST(id AS DOUBLE), 1.0D) AS features"
                + " FROM range(0, 50, 1, 3)"));
        agreesWithSpark(sql("floats", "SELECT CAST(id AS SMALLINT) AS id, array(CAST(id AS FLOAT), CAST(NULL AS FLOAT)) AS f"
                + " FROM range(0, 7, 1, 1)"));
        agreesWithSpark(sql("cols", "SELECT id, CAST(id AS INT) AS a, CAST(id AS DECIMAL(10, 2)) AS b, 1.5F AS c FROM range(5)"));
        String vec = tmp.resolve("vectors").toString();
        spark.createDataFrame(List.of(
                        org.apache.spark.sql.RowFactory.create(1L, org.apache.spark.ml.linalg.Vectors.dense(1, 2)),
                        org.apache.spark.sql.RowFactory.create(2L, org.apache.spark.ml.linalg.Vectors.sparse(2, new int[] {1},
                                new double[] {3}))),
                new org.apache.spark.sql.types.StructType().add("id", DataTypes.LongType)
                        .add("v", new org.apache.spark.ml.linalg.VectorUDT())).write().parquet(vec);
        agreesWithSpark(vec);
        // one file given directly, and names that URL-encoding changes
        String odd = sql("odd name %20 x", "SELECT id, array(1.0D) AS features FROM range(4)");
        agreesWithSpark(odd);
        try (Stream<Path> s = Files.list(Path.of(odd))) {
            Path one = s.filter(q -> q.toString().endsWith(".parquet")).findFirst().orElseThrow();
            agreesWithSpark(one.toString());
        }
        // an empty data set is still a file with a schema and 0 rows
        agreesWithSpark(sql("empty", "SELECT id, array(1.0D) AS features FROM range(0)"));
    }

    @Test
    void standsAsideForWhatSparkShouldHandle() throws Exception {
        String arrays = sql("aside", "SELECT id, array(1.0D) AS features FROM range(0, 4, 1, 2)");
        assertNull(InputFooters.read(CONF, arrays + "/*.parquet"), "glob");
        assertNull(InputFooters.read(CONF, tmp.resolve("nothing-here").toString()), "missing");
        String parts = tmp.resolve("partitioned").toString();
        spark.sql("SELECT id, id % 2 AS k, array(1.0D) AS features FROM range(4)").write().partitionBy("k").parquet(parts);
        assertNull(InputFooters.read(CONF, parts), "partition folders");
        Path notParquet = Files.createDirectories(tmp.resolve("text"));
        Files.writeString(notParquet.resolve("a.parquet"), "not parquet");
        assertNull(InputFooters.read(CONF, notParquet.toString()), "not Parquet");
        Path noData = Files.createDirectories(tmp.resolve("only-hidden"));
        Files.writeString(noData.resolve("_SUCCESS"), "");
        assertNull(InputFooters.read(CONF, noData.toString()), "no data files");
        Path summary = Files.createDirectories(tmp.resolve("summary"));
        try (Stream<Path> s = Files.list(Path.of(arrays))) {
            for (Path q : s.filter(q -> q.toString().endsWith(".parquet")).toList()) {
                Files.copy(q, summary.resolve(q.getFileName()));
            }
        }
        Files.writeString(summary.resolve("_common_metadata"), "");
        assertNull(InputFooters.read(CONF, summary.toString()), "summary files");
        // hidden files are skipped as Spark skips them
        Files.writeString(Path.of(arrays, ".hidden.parquet"), "x");
        Files.writeString(Path.of(arrays, "_ignored"), "x");
        InputFooters f = InputFooters.read(CONF, arrays);
        assertNotNull(f);
        assertEquals(4, f.rows());
    }
}
