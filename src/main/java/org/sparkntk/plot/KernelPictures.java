package org.sparkntk.plot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkntk.chart.HeatMap;
import org.sparkntk.chart.LineChart;
import org.sparkntk.io.KernelDir;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.Tile;
import org.sparkntk.io.TileStore;
import org.sparkntk.regress.LabelTable;
import org.sparkntk.select.SymmetricEigen;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.UserError;

/**
 * {@code ntk plot heatmap|spectrum}: pictures of one kernel and depth of a gram output, read tile by
 * tile on the driver (docs/plots.md). Spark is needed only to match labels to rows.
 */
public final class KernelPictures {

    private KernelPictures() {
    }

    /** Rows ordered by a label column: the display position of each kernel row and the label of each position. */
    public record LabelOrder(String column, int[] position, Object[] sortedLabels) {
    }

    /**
     * Matches the label column of {@code labels} to the rows of OUT/index by id, as {@code ntk solve}
     * does (the Gram's --id-col unless {@code idCol}; without one, by input order), and sorts the rows
     * by label (numbers numerically, else as text), ties in row order.
     */
    public static LabelOrder labelOrder(SparkSession spark, KernelDir dir, KernelManifest m, String labels, String labelCol,
                                        String idCol) {
        if (!m.symmetric()) {
            throw new UserError("'order-by-label' needs a symmetric Gram; '" + dir.root() + "' is a cross kernel");
        }
        int n = (int) m.n();
        String id = idCol != null ? idCol : m.input() == null ? null : m.input().idCol();
        LabelTable lt = LabelTable.read(spark, labels, "--order-by-label", id, List.of(labelCol));
        Object[] rowIds = new Object[n];
        for (Row r : spark.read().parquet(new Path(dir.root(), "index").toString()).select("row", "id").collectAsList()) {
            rowIds[(int) r.getLong(0)] = r.get(1);
        }
        Map<Object, Object> byId = new HashMap<>(lt.ids().size() * 2);
        for (int i = 0; i < lt.ids().size(); i++) {
            byId.put(lt.ids().get(i), lt.labels().get(i)[0]);
        }
        Object[] label = new Object[n];
        for (int i = 0; i < n; i++) {
            if (!byId.containsKey(rowIds[i])) {
                throw new UserError("--order-by-label '" + labels + "' has no row with id " + rowIds[i] + " (kernel row " + i + ")"
                        + (id == null ? "; without an id column rows are matched by input order" : " in column '" + id + "'"));
            }
            label[i] = byId.get(rowIds[i]);
        }
        Integer[] rows = new Integer[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        Arrays.sort(rows, Comparator.comparing((Integer i) -> label[i], KernelPictures::compareLabels));
        int[] position = new int[n];
        Object[] sorted = new Object[n];
        for (int p = 0; p < n; p++) {
            position[rows[p]] = p;
            sorted[p] = label[rows[p]];
        }
        return new LabelOrder(labelCol, position, sorted);
    }

    /** Nulls first, numbers numerically, anything else by its text. */
    static int compareLabels(Object a, Object b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        return a.toString().compareTo(b.toString());
    }

    /** The heat map of a kernel averaged to at most {@code maxCells} cells a side, as PNG bytes. */
    public static byte[] heatmap(Configuration conf, KernelDir dir, String kernel, int depth, LabelOrder order, int maxCells,
                                 int width, int height) throws IOException {
        KernelManifest m = TileStore.manifest(conf, dir.root().toString(), kernel, depth);
        CellGrid grid = new CellGrid(m.n(), m.cols(), maxCells, order == null ? null : order.position());
        KernelKind kk = KernelKind.fromLabel(kernel);
        for (int[] ij : TileStore.listTiles(conf, dir.root().toString())) {
            Tile t = TileStore.readTile(conf, dir.root().toString(), ij[0], ij[1], kk, depth);
            grid.add(t, m.symmetric() && !t.diagonal());
        }
        String size = m.symmetric() ? "N = " + m.n() : m.n() + " x " + m.cols();
        String cells = grid.rowsPerCell() > 1
                ? String.format(Locale.ROOT, ", cells of %.2g x %.2g entries", grid.rowsPerCell(), (double) m.cols() / grid.cellCols())
                : "";
        String title = kernel.toUpperCase(Locale.ROOT) + " depth " + depth + ", " + size + cells
                + (order == null ? "" : ", by " + order.column() + " (" + classes(order.sortedLabels()) + ")");
        String axis = order == null ? "row of OUT/index" : "row, sorted by " + order.column();
        return new HeatMap(title, order == null ? "column of OUT/index" : "column, sorted by " + order.column(), axis, grid.means())
                .png(width, height);
    }

    /** "0 .. 9" or the first few distinct labels. */
    private static String classes(Object[] sorted) {
        List<String> distinct = new ArrayList<>();
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || compareLabels(sorted[i - 1], sorted[i]) != 0) {
                distinct.add(String.valueOf(sorted[i]));
            }
        }
        if (distinct.size() <= 6) {
            return String.join(", ", distinct);
        }
        return distinct.size() + " classes, " + distinct.get(0) + " .. " + distinct.get(distinct.size() - 1);
    }

    /** The leading eigenvalues of a symmetric Gram, or of a submatrix of evenly spaced rows. */
    public record Spectrum(double[] descending, int rows, long n, int[] sampled, String lapack, double seconds) {
    }

    /** Rows 0, s, 2s, ... (R of N, evenly spaced: floor(i * N / R)); all rows when R >= N. */
    public static int[] evenRows(long n, int maxRows) {
        int r = (int) Math.min(n, maxRows);
        int[] rows = new int[r];
        for (int i = 0; i < r; i++) {
            rows[i] = (int) ((long) i * n / r);
        }
        return rows;
    }

    /** Eigenvalues (descending) of K restricted to {@code sampled} rows and columns, by LAPACK dsyevd on the driver. */
    public static Spectrum spectrum(Configuration conf, KernelDir dir, String kernel, int depth, int maxRows) throws IOException {
        KernelManifest m = TileStore.manifest(conf, dir.root().toString(), kernel, depth);
        if (!m.symmetric()) {
            throw new UserError("'kernel' " + dir.root() + " is a cross kernel; a spectrum needs the symmetric Gram K(TRAIN, TRAIN)");
        }
        int[] sampled = evenRows(m.n(), maxRows);
        int r = sampled.length;
        int[] index = new int[(int) m.n()];
        Arrays.fill(index, -1);
        for (int i = 0; i < r; i++) {
            index[sampled[i]] = i;
        }
        double[] a = new double[r * r];
        KernelKind kk = KernelKind.fromLabel(kernel);
        for (int[] ij : TileStore.listTiles(conf, dir.root().toString())) {
            Tile t = TileStore.readTile(conf, dir.root().toString(), ij[0], ij[1], kk, depth);
            for (int i = 0; i < t.numRows(); i++) {
                int ri = index[(int) t.rowStart() + i];
                if (ri < 0) {
                    continue;
                }
                for (int j = 0; j < t.numCols(); j++) {
                    int cj = index[(int) t.colStart() + j];
                    if (cj >= 0) {
                        double v = t.values()[i * t.numCols() + j];
                        a[ri * r + cj] = v;
                        a[cj * r + ri] = v;
                    }
                }
            }
        }
        long t0 = System.nanoTime();
        var lapack = SymmetricEigen.lapack();
        SymmetricEigen e = SymmetricEigen.decompose(a, r, lapack);
        double[] desc = new double[r];
        for (int i = 0; i < r; i++) {
            desc[i] = e.values()[r - 1 - i];
        }
        return new Spectrum(desc, r, m.n(), sampled, SymmetricEigen.implementation(lapack), (System.nanoTime() - t0) / 1e9);
    }

    /** The spectrum as a log-scale line chart, PNG bytes. */
    public static byte[] spectrumPng(Spectrum s, String kernel, int depth, int width, int height) throws IOException {
        double[] x = new double[s.rows()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        String which = s.rows() == s.n() ? "all " + s.n() + " rows"
                : String.format(Locale.ROOT, "%d of %d rows, evenly spaced", s.rows(), s.n());
        int positive = 0;
        for (double v : s.descending()) {
            positive += v > 0 ? 1 : 0;
        }
        String title = kernel.toUpperCase(Locale.ROOT) + " depth " + depth + " eigenvalues: " + which
                + (positive < s.rows() ? ", " + (s.rows() - positive) + " <= 0 left out" : "");
        return new LineChart(title, "index (descending, log)", "eigenvalue", true, true,
                List.of(new LineChart.Series("eigenvalue", x, s.descending()))).png(width, height);
    }
}
