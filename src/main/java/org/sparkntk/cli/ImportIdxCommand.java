package org.sparkntk.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkntk.io.Idx;
import org.sparkntk.spec.UserError;
import org.sparkntk.options.SparkOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ntk import-idx}: MNIST-style IDX files to Parquet with columns id BIGINT (the image's
 * index in the file, 0-based), features ARRAY&lt;DOUBLE&gt; (pixels row by row, each divided by 255,
 * so in [0, 1] for ubyte images) and label INT.
 */
@Command(name = "import-idx", mixinStandardHelpOptions = true,
        description = "Convert IDX images and labels (MNIST / Fashion-MNIST, gzip or not) to Parquet: id BIGINT, "
                + "features ARRAY<DOUBLE> (pixel / 255), label INT.")
final class ImportIdxCommand implements Callable<Integer> {

    @Option(names = "--images", required = true, paramLabel = "FILE", description = "IDX images (e.g. train-images-idx3-ubyte.gz).")
    String images;

    @Option(names = "--labels", required = true, paramLabel = "FILE", description = "IDX labels (e.g. train-labels-idx1-ubyte.gz).")
    String labels;

    @Option(names = "--output", required = true, paramLabel = "PATH", description = "Parquet output directory.")
    String output;

    @Option(names = "--limit", paramLabel = "N", description = "Import only the first N images (default all).")
    Integer limit;

    @Option(names = "--scale", defaultValue = "255", paramLabel = "S",
            description = "Divide every pixel by S (default ${DEFAULT-VALUE}: ubyte pixels to [0, 1]).")
    double scale;

    @Option(names = "--overwrite", description = "Replace OUTPUT if it exists.")
    boolean overwrite;

    @Mixin
    SparkOptions sparkOptions;

    @Override
    public Integer call() throws IOException {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new UserError("'scale' is " + scale + " but must be > 0");
        }
        if (limit != null && limit < 1) {
            throw new UserError("'limit' is " + limit + " but must be >= 1");
        }
        Configuration hconf = new Configuration();
        Idx.Array img = readIdx(hconf, images, "--images");
        Idx.Array lab = readIdx(hconf, labels, "--labels");
        if (img.dims().length < 2) {
            throw new UserError("--images " + images + " holds " + img + "; expected images (at least 2 dimensions)");
        }
        if (lab.dims().length != 1) {
            throw new UserError("--labels " + labels + " holds " + lab + "; expected a 1-dimensional label array");
        }
        if (img.count() != lab.count()) {
            throw new UserError("--images has " + img.count() + " items but --labels has " + lab.count());
        }
        int n = limit == null ? img.count() : Math.min(limit, img.count());
        Path out = new Path(output);
        FileSystem fs = out.getFileSystem(hconf);
        if (fs.exists(out) && !overwrite) {
            throw new UserError("'" + output + "' exists; pass --overwrite to replace it");
        }
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                .add("label", DataTypes.IntegerType, false);
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create((long) i, img.item(i, scale), lab.intValue(i)));
        }
        try (SparkOptions.Session session = sparkOptions.session("spark-ntk import-idx")) {
            write(session.spark(), rows, schema, n, out, fs);
        }
        int d = img.itemSize();
        System.out.println("import-idx: " + n + " rows, " + d + " features (pixel / " + fmt(scale)
                + "), labels from " + labels + " -> " + output);
        return 0;
    }

    private static void write(SparkSession spark, List<Row> rows, StructType schema, int n, Path out, FileSystem fs)
            throws IOException {
        Path staging = new Path(out.getParent(), "." + out.getName() + ".staging-" + System.nanoTime());
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int slices = Math.max(1, Math.min(16, n / 5000 + 1));
            spark.createDataFrame(jsc.parallelize(rows, slices), schema)
                    .write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
            if (fs.exists(out)) {
                fs.delete(out, true);
            }
            if (!fs.rename(staging, out)) {
                throw new IOException("could not rename " + staging + " to " + out);
            }
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static Idx.Array readIdx(Configuration conf, String file, String option) throws IOException {
        Path p = new Path(file);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            throw new UserError(option + " '" + file + "' does not exist");
        }
        try (InputStream in = fs.open(p)) {
            return Idx.read(in, option + " '" + file + "'");
        }
    }
}
