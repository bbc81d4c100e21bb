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
import org.sparkntk.io.Shifts;
import org.sparkntk.spec.UserError;
import org.sparkntk.options.SparkOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ntk import-idx}: MNIST-style IDX files to Parquet with columns id BIGINT (the image's
 * index in the file, 0-based), features ARRAY&lt;DOUBLE&gt; (pixels row by row, each divided by 255,
 * so in [0, 1] for ubyte images) and label INT. With {@code --augment shifts:K} every image is
 * followed by its K one-pixel shifts ({@link Shifts}: id 10 i + s, columns source BIGINT = i and
 * shift INT = s), generated on the executors from the broadcast IDX bytes.
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

    @Option(names = "--augment", defaultValue = "none", paramLabel = "none|shifts:4|shifts:8",
            description = "Add each image's one-pixel shifts (zero fill) in 4 or 8 directions: N x 5 or N x 9 rows, id 10 i + s"
                    + " for shift s of image i (s = 0: the image), columns source and shift (default ${DEFAULT-VALUE}).")
    String augment;

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
        int shifts = Shifts.parse(augment);
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
        int side = shifts == 0 ? 0 : Shifts.side(java.util.Arrays.copyOfRange(img.dims(), 1, img.dims().length), img.itemSize(),
                "--images " + images);
        Path out = new Path(output);
        FileSystem fs = out.getFileSystem(hconf);
        if (fs.exists(out) && !overwrite) {
            throw new UserError("'" + output + "' exists; pass --overwrite to replace it");
        }
        if (shifts > 0) {
            try (SparkOptions.Session session = sparkOptions.session("spark-ntk import-idx")) {
                writeAugmented(session.spark(), img, lab, n, side, shifts, scale, out, fs);
            }
            StringBuilder dirs = new StringBuilder();
            for (int s = 0; s < shifts; s++) {
                dirs.append(s == 0 ? "" : ", ").append(s + 1).append(' ').append(Shifts.NAMES[s]);
            }
            System.out.println("import-idx: " + n + " images x " + (shifts + 1) + " = " + (long) n * (shifts + 1) + " rows, "
                    + img.itemSize() + " features (pixel / " + fmt(scale) + "), id 10 i + s (s = 0 the image, " + dirs
                    + "), labels from " + labels + " -> " + output);
            return 0;
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

    /** The images and their shifts, generated per partition from the broadcast IDX bytes, written like {@link #write}. */
    private static void writeAugmented(SparkSession spark, Idx.Array img, Idx.Array lab, int n, int side, int shifts, double scale,
                                       Path out, FileSystem fs) throws IOException {
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                .add("label", DataTypes.IntegerType, false)
                .add("source", DataTypes.LongType, false)
                .add("shift", DataTypes.IntegerType, false);
        Path staging = new Path(out.getParent(), "." + out.getName() + ".staging-" + System.nanoTime());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        org.apache.spark.broadcast.Broadcast<Idx.Array[]> b = jsc.broadcast(new Idx.Array[] {img, lab});
        try {
            int slices = Math.max(1, Math.min(64, (int) ((long) n * (shifts + 1) / 20000 + 1)));
            List<Integer> starts = new ArrayList<>();
            for (int s = 0; s < slices; s++) {
                starts.add((int) ((long) n * s / slices));
            }
            org.apache.spark.api.java.JavaRDD<Row> rows = jsc.parallelize(starts, slices).flatMap(start -> {
                Idx.Array im = b.value()[0];
                Idx.Array lb = b.value()[1];
                int idx = starts.indexOf(start);
                int end = idx + 1 < starts.size() ? starts.get(idx + 1) : n;
                List<Row> rs = new ArrayList<>((end - start) * (shifts + 1));
                for (int i = start; i < end; i++) {
                    double[] x = im.item(i, scale);
                    int label = lb.intValue(i);
                    rs.add(RowFactory.create(Shifts.id(i, 0), x, label, (long) i, 0));
                    for (int s = 1; s <= shifts; s++) {
                        int[] dir = Shifts.DIRECTIONS[s - 1];
                        rs.add(RowFactory.create(Shifts.id(i, s), Shifts.shift(x, side, dir[0], dir[1]), label, (long) i, s));
                    }
                }
                return rs.iterator();
            });
            spark.createDataFrame(rows, schema).write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
            if (fs.exists(out)) {
                fs.delete(out, true);
            }
            if (!fs.rename(staging, out)) {
                throw new IOException("could not rename " + staging + " to " + out);
            }
        } finally {
            b.destroy();
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
