package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad-input case of the Gram job: exit code 2, the exact message (naming the row id /
 * column / option and what is allowed), and nothing published in OUT.
 */
class GramErrorsTest {

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static String good;
    static int outs;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSupport.session();
        good = tmp.resolve("good").toString();
        SparkTestSupport.write(spark, good, List.of("a", "b", "c"), DataTypes.StringType,
                new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
    }

    /** Runs gram into a fresh OUT and asserts exit 2, the message, and that nothing was published. */
    static void fails(String message, String input, String... extra) throws Exception {
        Path out = tmp.resolve("out" + (outs++));
        List<String> args = new ArrayList<>(List.of("gram", "--input", input, "--output", out.toString()));
        args.addAll(Arrays.asList(extra));
        var r = SparkTestSupport.cli(args.toArray(new String[0]));
        assertEquals(2, r.code(), r.err());
        assertEquals("error: " + message, r.err().lines().findFirst().orElse(""));
        assertFalse(Files.exists(out.resolve("kernel.json")), "no kernel.json");
        assertEquals(0, SparkTestSupport.tileFiles(out).size(), "no tiles");
        assertFalse(Files.exists(out), "OUT not created: " + out);
    }

    static String data(String name, List<Object> ids, double[][] x) {
        String p = tmp.resolve(name).toString();
        SparkTestSupport.write(spark, p, ids, DataTypes.StringType, x);
        return p;
    }

    static String sql(String name, String query) {
        String p = tmp.resolve(name).toString();
        spark.sql(query).coalesce(1).write().parquet(p);
        return p;
    }

    @Test
    void nanAndInfinity() throws Exception {
        String nan = data("nan", List.of("a", "b", "c"), new double[][] {{1, 2, 3}, {4, Double.NaN, 6}, {7, 8, 9}});
        fails("row id 'b': features[1] is NaN; features must be finite numbers", nan, "--id-col", "id");
        fails("row 1: features[1] is NaN; features must be finite numbers", nan);
        String inf = data("inf", List.of("a", "b", "c"), new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, Double.NEGATIVE_INFINITY}});
        fails("row id 'c': features[2] is -Infinity; features must be finite numbers", inf, "--id-col", "id");
        String cols = sql("cols_inf", "SELECT * FROM VALUES (1L, 1.0D, 2.0D), (2L, CAST('Infinity' AS DOUBLE), 3.0D) AS t(id, x1, x2)");
        fails("row id 2: column 'x1' is Infinity; features must be finite numbers", cols, "--features-cols", "x1,x2", "--id-col", "id");
    }

    /**
     * A row whose norm makes the kernel overflow is refused before anything is written. relu,
     * sigma_w = 2, beta = 0, d = 3: q(1) = 4/3 |x|^2 and q(l+1) = 4 q(l)/2 = 2 q(l), Theta(l) =
     * 2 Theta(l-1) + q(l) = l q(l); with |x|^2 = 1e300, l q(l) = l 2^(l-1) 1.33e300 first passes
     * 1.8e308 at l = 24 (23 x 2^22 = 9.6e7 < 1.35e8 < 24 x 2^23 = 2.0e8), while q itself stays
     * finite to layer 28.
     */
    @Test
    void kernelOverflow() throws Exception {
        String big = data("big", List.of("a", "b", "c"), new double[][] {{1, 2, 3}, {1e150, 0, 0}, {7, 8, 9}});
        fails("row id 'b' (squared norm 1.00e+300) makes the kernel overflow double precision: NTK diagonal Infinity at layer 24"
                + " of 40 (activation relu, 'weight-std' 2.0, 'bias-std' 0.0); use a smaller --weight-std or --depth, or scale the"
                + " inputs down (e.g. --normalize l2)", big, "--id-col", "id", "--weight-std", "2", "--depth", "40");
        fails("row 1 (squared norm 1.00e+300) makes the kernel overflow double precision: variance Infinity at layer 29"
                + " of 40 (activation relu, 'weight-std' 2.0, 'bias-std' 0.0); use a smaller --weight-std or --depth, or scale the"
                + " inputs down (e.g. --normalize l2)", big, "--weight-std", "2", "--depth", "40", "--kernels", "nngp");
    }

    /**
     * --normalize l2: every row has unit norm, so relu with sigma_w = 4 (sw2 = 16, d = 3) has
     * q(l) = 8^(l-1) 16/3 and Theta(l) = 8 Theta(l-1) + q(l) = l q(l) on the diagonal; in exact
     * arithmetic Theta(338) = 3.96e307 and Theta(339) = 3.2e308 > 1.8e308 (q itself overflows at
     * 342). Refused by the driver with exit 2, nothing written.
     */
    @Test
    void kernelOverflowAtUnitNorm() throws Exception {
        fails("--normalize l2 scales every row to unit norm, and at unit norm the kernel overflows double precision: NTK"
                + " diagonal Infinity at layer 339 of 400 (activation relu, 'weight-std' 4.0, 'bias-std' 0.0); use a smaller"
                + " --weight-std or --depth", good, "--normalize", "l2", "--weight-std", "4", "--depth", "400");
        fails("--normalize l2 scales every row to unit norm, and at unit norm the kernel overflows double precision: variance"
                + " Infinity at layer 342 of 400 (activation relu, 'weight-std' 4.0, 'bias-std' 0.0); use a smaller"
                + " --weight-std or --depth", good, "--normalize", "l2", "--weight-std", "4", "--depth", "400", "--kernels", "nngp");
    }

    @Test
    void nullFeatures() throws Exception {
        String nul = data("null", List.of("a", "b", "c"), new double[][] {{1, 2, 3}, null, {7, 8, 9}});
        fails("row id 'b': features are null (column 'features'); every row needs a feature vector", nul, "--id-col", "id");
        String nullElem = sql("null_elem", "SELECT * FROM VALUES ('a', array(1.0D, 2.0D)), ('b', array(1.0D, CAST(NULL AS DOUBLE))) AS t(id, features)");
        fails("row id 'b': features[1] is null (column 'features'); features must be finite numbers", nullElem, "--id-col", "id");
        String cols = sql("cols_null", "SELECT * FROM VALUES (1, 1.0D, 2.0D), (2, 3.0D, CAST(NULL AS DOUBLE)) AS t(id, x1, x2)");
        fails("row 1: column 'x2' is null; every feature column needs a value", cols, "--features-cols", "x1,x2");
    }

    @Test
    void differentLengths() throws Exception {
        String p = data("lengths", List.of("a", "b", "c"), new double[][] {{1, 2, 3, 4}, {4, 5, 6, 7}, {7, 8, 9}});
        fails("row id 'c': features have length 3 but row id 'a' (the first row) has length 4; all feature vectors must have the same length",
                p, "--id-col", "id");
    }

    @Test
    void secondInputIsCheckedToo() throws Exception {
        String two = data("two", List.of("x", "y"), new double[][] {{1, 2}, {3, 4}});
        fails("input2 has feature length 2 but input has 3; both inputs need the same feature length", good, "--input2", two);
        String nan2 = data("nan_in2", List.of("x", "y"), new double[][] {{1, 2, 3}, {Double.NaN, 4, 5}});
        fails("input2: row id 'y': features[0] is NaN; features must be finite numbers", good, "--input2", nan2, "--id-col", "id");
    }

    @Test
    void emptyInput() throws Exception {
        String p = data("empty", List.of(), new double[0][]);
        fails("input '" + p + "' has no rows", p);
    }

    @Test
    void duplicateAndNullIds() throws Exception {
        String p = data("dups", List.of("a", "b", "c", "b", "d"), new double[][] {{1}, {2}, {3}, {4}, {5}});
        fails("duplicate id 'b' in column 'id': it appears 2 times (input rows 1 and 3); ids must be unique", p, "--id-col", "id");
        List<Object> ids = new ArrayList<>(List.of("a", "b"));
        ids.add(null);
        String n = data("null_id", ids, new double[][] {{1}, {2}, {3}});
        fails("input row 2: id column 'id' is null; ids must be non-null and unique", n, "--id-col", "id");
    }

    @Test
    void missingColumnAndWrongTypes() throws Exception {
        fails("column 'feats' (--features-col) not found in input '" + good + "'; columns: id (string), features (array<double>)",
                good, "--features-col", "feats");
        fails("column 'key' (--id-col) not found in input '" + good + "'; columns: id (string), features (array<double>)",
                good, "--id-col", "key");
        fails("column 'id' (--features-col) in input '" + good + "' has type string but must be array<double>, array<float> or a Spark ML vector",
                good, "--features-col", "id");
        String p = sql("types", "SELECT * FROM VALUES (1.5D, 'x', array(1.0D)) AS t(score, name, features)");
        fails("column 'score' (--id-col) in input '" + p + "' has type double but must be an integer type (tinyint, smallint, int, bigint) or string",
                p, "--id-col", "score");
        fails("column 'name' (--features-cols) in input '" + p + "' has type string but must be numeric", p, "--features-cols", "score,name");
        fails("column 'score' (--features-col) in input '" + p + "' has type double but must be array<double>, array<float> or a Spark ML vector; for numeric columns use --features-cols",
                p, "--features-col", "score");
        String missing = tmp.resolve("does-not-exist").toString();
        Path out = tmp.resolve("out-missing");
        var r = SparkTestSupport.cli("gram", "--input", missing, "--output", out.toString());
        assertEquals(2, r.code());
        assertEquals(true, r.err().startsWith("error: input '" + missing + "' cannot be read as Parquet: "), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void badOptions() throws Exception {
        fails("unknown option '--blok-size'; did you mean '--block-size'?", good, "--blok-size", "64");
        fails("unknown option '--weight-sdt'; did you mean '--weight-std'?", good, "--weight-sdt=2");
        fails("'depth' is 0 but must be in 1..100000", good, "--depth", "0");
        fails("'depths' has 0 but each depth must be in 1..100000", good, "--depths", "1,0");
        fails("'weight-std' is -1.0 but must be > 0 and finite", good, "--weight-std", "-1");
        fails("'bias-std' is -0.5 but must be >= 0 and finite", good, "--bias-std", "-0.5");
        fails("'block-size' is 0 but must be > 0", good, "--block-size", "0");
        fails("unknown activation 'relux'; did you mean 'relu'?; allowed: relu, leaky_relu:ALPHA, abrelu:A,B, abs, erf, gelu, sin, cos, identity, tanh, sigmoid, softplus, silu, elu:ALPHA",
                good, "--activation", "relux");
        fails("'kernels' has 'ntx' but allowed are ntk, nngp; did you mean 'ntk'?", good, "--kernels", "ntx");
        fails("'precision' is 'float16' but must be float64 or float32; did you mean 'float64'?", good, "--precision", "float16");
        fails("'normalize' is 'l1' but must be none, l2 or standardize; did you mean 'l2'?", good, "--normalize", "l1");
        fails("give either 'depth' or 'depths', not both", good, "--depth", "2", "--depths", "1,2");
        fails("give either '--overwrite' or '--resume', not both", good, "--overwrite", "--resume");
        fails("'conf' entry 'spark.executor.memory' has no value; write --conf key=value", good, "--conf", "spark.executor.memory");
    }

    @Test
    void outputExistsOrOverlapsInput() throws Exception {
        Path out = tmp.resolve("existing");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "user data");
        var r = SparkTestSupport.cli("gram", "--input", good, "--output", out.toString());
        assertEquals(2, r.code());
        assertEquals("error: output '" + out + "' exists; pass --overwrite to replace it or --resume to finish an interrupted run",
                r.err().lines().findFirst().orElse(""));
        assertEquals("user data", Files.readString(out.resolve("keep.txt")));
        var resume = SparkTestSupport.cli("gram", "--input", good, "--output", out.toString(), "--resume");
        assertEquals(2, resume.code());
        assertEquals("error: --resume refused: '" + out + "' has no _plan.json (it was not written by ntk gram); use --overwrite to replace it",
                resume.err().lines().findFirst().orElse(""));
        var inside = SparkTestSupport.cli("gram", "--input", good, "--output", good + "/kernel", "--overwrite");
        assertEquals(2, inside.code());
        assertEquals("error: output '" + good + "/kernel' overlaps input '" + good + "'; choose an --output outside the input",
                inside.err().lines().findFirst().orElse(""));
        // bad input with --overwrite leaves the old OUT alone
        String nan = data("nan2", List.of("a"), new double[][] {{Double.NaN}});
        var bad = SparkTestSupport.cli("gram", "--input", nan, "--output", out.toString(), "--overwrite");
        assertEquals(2, bad.code());
        assertEquals("user data", Files.readString(out.resolve("keep.txt")));
    }
}
