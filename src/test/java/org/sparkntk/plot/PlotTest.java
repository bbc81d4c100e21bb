package org.sparkntk.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkntk.cli.Main;
import org.sparkntk.io.KernelDir;
import org.sparkntk.io.TileStore;

/**
 * ntk plot heatmap|spectrum and regress's convergence.png: the PNGs read back with ImageIO, the
 * heat map of two well-separated clusters block-diagonal once ordered by label, the spectrum against
 * a Jacobi eigenvalue iteration written here, and every refusal with exit 2 and nothing written.
 */
class PlotTest {

    static SparkSession spark;
    static boolean ownSession;
    static Path dir;
    static String train;
    static String kdir;
    /** Rows of class 0 (the first block once sorted). */
    static int n0;
    static final int N = 150;

    @BeforeAll
    static void start() throws Exception {
        ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        spark = SparkSession.builder().master("local[2]").appName("plot-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        dir = Files.createTempDirectory("plot");
        // two clusters at +-4 e_1 (unit noise), classes interleaved at random in input order
        Random r = new Random(5);
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.IntegerType)
                .add("y", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            int c = r.nextInt(2);
            n0 += c == 0 ? 1 : 0;
            List<Double> f = new ArrayList<>();
            for (int j = 0; j < 6; j++) {
                f.add((j == 0 ? (c == 0 ? 4.0 : -4.0) : 0.0) + r.nextGaussian());
            }
            rows.add(RowFactory.create(7000L + i, f, c, f.get(1) + 0.1 * f.get(2)));
        }
        train = dir.resolve("train.parquet").toString();
        spark.createDataFrame(rows, schema).repartition(2).write().parquet(train);
        kdir = dir.resolve("kernel").toString();
        assertEquals(0, Main.run("gram", "--input", train, "--id-col", "id", "--output", kdir, "--kernels", "ntk,nngp",
                "--depth", "2", "--block-size", "64"));
    }

    @AfterAll
    static void stop() {
        if (ownSession) {
            spark.stop();
        }
    }

    record Run(int code, String err) {
    }

    static Run run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return new Run(Main.run(args), buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    /** Reads a PNG, checks its size and that it has more than a handful of colours. */
    static BufferedImage png(Path f, int width, int height) throws Exception {
        assertTrue(Files.exists(f), f + " exists");
        BufferedImage img = ImageIO.read(f.toFile());
        assertEquals(width, img.getWidth());
        assertEquals(height, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, "not blank: " + colours.size() + " colours");
        return img;
    }

    static boolean saturated(int rgb) {
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        return Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60;
    }

    static double luminance(int rgb) {
        return 0.299 * (rgb >> 16 & 0xff) + 0.587 * (rgb >> 8 & 0xff) + 0.114 * (rgb & 0xff);
    }

    /** The heat map's plot area: the longest run of saturated (coloured) pixels across the middle, then down its middle. */
    static int[] plotArea(BufferedImage img) {
        int[] h = longestRun(img, true, img.getHeight() / 2);
        int[] v = longestRun(img, false, (h[0] + h[1]) / 2);
        return new int[] {h[0], v[0], h[1], v[1]};
    }

    private static int[] longestRun(BufferedImage img, boolean horizontal, int at) {
        int len = horizontal ? img.getWidth() : img.getHeight();
        int best = 0;
        int bestStart = 0;
        int start = -1;
        for (int i = 0; i <= len; i++) {
            boolean in = i < len && saturated(horizontal ? img.getRGB(i, at) : img.getRGB(at, i));
            if (in && start < 0) {
                start = i;
            } else if (!in && start >= 0) {
                if (i - start > best) {
                    best = i - start;
                    bestStart = start;
                }
                start = -1;
            }
        }
        return new int[] {bestStart, bestStart + best - 1};
    }

    /** Mean luminance of the inner 60% of the block [f0, f1) x [g0, g1) of the plot area (fractions; rows from the top). */
    static double blockMean(BufferedImage img, int[] area, double r0, double r1, double c0, double c1) {
        double w = area[2] - area[0];
        double h = area[3] - area[1];
        double rm = 0.2 * (r1 - r0);
        double cm = 0.2 * (c1 - c0);
        double s = 0;
        int cnt = 0;
        for (int y = (int) (area[1] + h * (r0 + rm)); y <= (int) (area[1] + h * (r1 - rm)); y++) {
            for (int x = (int) (area[0] + w * (c0 + cm)); x <= (int) (area[0] + w * (c1 - cm)); x++) {
                s += luminance(img.getRGB(x, y));
                cnt++;
            }
        }
        return s / cnt;
    }

    /** {on-diagonal mean luminance, off-diagonal mean luminance} for the class split at n0 / N. */
    static double[] diagonalContrast(BufferedImage img) {
        int[] a = plotArea(img);
        assertTrue(a[2] - a[0] > 300 && a[3] - a[1] > 300, "plot area found: " + Arrays.toString(a));
        double f = (double) n0 / N;
        double on = (blockMean(img, a, 0, f, 0, f) + blockMean(img, a, f, 1, f, 1)) / 2;
        double off = (blockMean(img, a, 0, f, f, 1) + blockMean(img, a, f, 1, 0, f)) / 2;
        return new double[] {on, off};
    }

    @Test
    void heatmapOrderedByLabelIsBlockDiagonal() throws Exception {
        Path ordered = dir.resolve("ordered.png");
        Run r = run("plot", "heatmap", "--kernel", kdir, "--name", "ntk", "--depth", "2", "--order-by-label", train,
                "--label-col", "label", "--cells", "50", "--width", "800", "--height", "700", "--output", ordered.toString());
        assertEquals(0, r.code(), r.err());
        double[] c = diagonalContrast(png(ordered, 800, 700));
        // high kernel values are drawn dark: the class blocks on the diagonal are much darker
        assertTrue(c[1] - c[0] > 50, "on-diagonal " + c[0] + " vs off-diagonal " + c[1]);

        // the same kernel in input order (classes interleaved): no block structure at the same place
        Path plain = dir.resolve("plain.png");
        assertEquals(0, run("plot", "heatmap", "--kernel", kdir, "--name", "ntk", "--depth", "2", "--cells", "50",
                "--width", "800", "--height", "700", "--output", plain.toString()).code());
        double[] u = diagonalContrast(png(plain, 800, 700));
        assertTrue(Math.abs(u[1] - u[0]) < 0.3 * (c[1] - c[0]), "unordered: " + Arrays.toString(u) + " ordered " + Arrays.toString(c));
    }

    @Test
    void cellGridAveragesTheDenseMatrix() throws Exception {
        Configuration conf = new Configuration();
        double[][] k = TileStore.dense(conf, kdir, "nngp", 2);
        int[] order = new int[N];
        for (int i = 0; i < N; i++) {
            order[i] = (i * 7) % N; // a permutation (gcd(7, 150) = 1)
        }
        CellGrid g = new CellGrid(N, N, 40, order);
        for (int[] ij : TileStore.listTiles(conf, kdir)) {
            var t = TileStore.readTile(conf, kdir, ij[0], ij[1], org.sparkntk.spec.KernelKind.fromLabel("nngp"), 2);
            g.add(t, !t.diagonal());
        }
        double[][] z = g.means();
        double[][] s = new double[40][40];
        int[][] cnt = new int[40][40];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                int a = order[i] * 40 / N;
                int b = order[j] * 40 / N;
                s[a][b] += k[i][j];
                cnt[a][b]++;
            }
        }
        for (int a = 0; a < 40; a++) {
            for (int b = 0; b < 40; b++) {
                assertEquals(s[a][b] / cnt[a][b], z[a][b], 1e-12 * Math.abs(s[a][b] / cnt[a][b]) + 1e-15);
            }
        }
    }

    /** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (independent of LAPACK), descending. */
    static double[] jacobi(double[][] m) {
        int n = m.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = m[i].clone();
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-24) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = a[i][i];
        }
        Arrays.sort(w);
        for (int i = 0; i < n / 2; i++) {
            double t = w[i];
            w[i] = w[n - 1 - i];
            w[n - 1 - i] = t;
        }
        return w;
    }

    @Test
    void spectrumMatchesJacobiAndIsDrawn() throws Exception {
        Configuration conf = new Configuration();
        KernelDir kd = KernelDir.open(kdir, conf);
        double[][] k = TileStore.dense(conf, kdir, "ntk", 2);
        // all rows
        KernelPictures.Spectrum all = KernelPictures.spectrum(conf, kd, "ntk", 2, 1000);
        double[] want = jacobi(k);
        assertEquals(N, all.rows());
        for (int i = 0; i < N; i++) {
            assertEquals(want[i], all.descending()[i], 1e-9 * want[0], "eigenvalue " + i);
        }
        // 40 evenly spaced rows: the submatrix's eigenvalues
        KernelPictures.Spectrum sub = KernelPictures.spectrum(conf, kd, "ntk", 2, 40);
        int[] rows = sub.sampled();
        assertEquals(40, rows.length);
        assertEquals(0, rows[0]);
        assertEquals(N * 39 / 40, rows[39]);
        double[][] ks = new double[40][40];
        for (int i = 0; i < 40; i++) {
            for (int j = 0; j < 40; j++) {
                ks[i][j] = k[rows[i]][rows[j]];
            }
        }
        double[] ws = jacobi(ks);
        for (int i = 0; i < 40; i++) {
            assertEquals(ws[i], sub.descending()[i], 1e-9 * ws[0], "submatrix eigenvalue " + i);
        }
        Path out = dir.resolve("spectrum.png");
        Run r = run("plot", "spectrum", "--kernel", kdir, "--name", "ntk", "--depth", "2", "--max-rows", "100",
                "--width", "700", "--height", "500", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        png(out, 700, 500);
    }

    @Test
    void badInputExitsTwoAndWritesNothing() throws Exception {
        Path out = dir.resolve("never.png");
        Path empty = Files.createDirectories(dir.resolve("not-a-kernel"));
        String[][] cases = {
                {"kernel.json", "plot", "heatmap", "--kernel", empty.toString(), "--output", out.toString()},
                {"kernel.json", "plot", "spectrum", "--kernel", empty.toString(), "--output", out.toString()},
                {"'name'", "plot", "heatmap", "--kernel", kdir, "--name", "nngg", "--output", out.toString()},
                {"'depth'", "plot", "spectrum", "--kernel", kdir, "--depth", "5", "--output", out.toString()},
                {"label column 'lable'", "plot", "heatmap", "--kernel", kdir, "--depth", "2", "--order-by-label", train,
                        "--label-col", "lable", "--output", out.toString()},
                {"'label-col'", "plot", "heatmap", "--kernel", kdir, "--depth", "2", "--label-col", "label", "--output", out.toString()},
                {"'cells'", "plot", "heatmap", "--kernel", kdir, "--depth", "2", "--cells", "5000", "--output", out.toString()},
                {"'max-rows'", "plot", "spectrum", "--kernel", kdir, "--depth", "2", "--max-rows", "1", "--output", out.toString()},
        };
        for (String[] c : cases) {
            Run r = run(Arrays.copyOfRange(c, 1, c.length));
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().contains(c[0]), "message names " + c[0] + ": " + r.err());
            assertFalse(Files.exists(out), "nothing written for " + String.join(" ", c));
        }
        // an existing output is kept without --overwrite
        Path there = Files.writeString(dir.resolve("there.png"), "keep");
        Run r = run("plot", "spectrum", "--kernel", kdir, "--depth", "2", "--output", there.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'output'"), r.err());
        assertEquals("keep", Files.readString(there));
    }

    @Test
    void regressDrawsConvergenceForPcgOnly() throws Exception {
        String[] common = {"regress", "--train", train, "--test", train, "--label-col", "label", "--id-col", "id", "--depth", "2",
                "--block-size", "64", "--ridge", "1e-3", "--ridge-scale", "trace"};
        Path pcg = dir.resolve("reg-pcg");
        assertEquals(0, Main.run(concat(common, "--output", pcg.toString(), "--solver", "pcg", "--preconditioner", "none",
                "--tol", "1e-4")));
        png(pcg.resolve("convergence.png"), 1000, 600);
        Path chol = dir.resolve("reg-chol");
        assertEquals(0, Main.run(concat(common, "--output", chol.toString(), "--solver", "cholesky")));
        assertTrue(Files.exists(chol.resolve("metrics.json")));
        assertFalse(Files.exists(chol.resolve("convergence.png")), "no convergence picture for a direct solve");
    }

    static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
