package org.sparkntk.plot;

import org.sparkntk.io.Tile;

/**
 * A kernel matrix averaged down to at most {@code cells x cells} cells (pure math, no Spark): entry
 * (i, j) of K goes to display position (order[i], order[j]) and from there to cell
 * (pos * cells / N); each cell is the mean of its entries. Tiles are added one at a time, so
 * memory is the grid, never K.
 */
public final class CellGrid {

    private final long rows;
    private final long cols;
    private final int cellRows;
    private final int cellCols;
    private final int[] rowCell;
    private final int[] colCell;
    private final double[] sum;
    private final long[] count;

    /**
     * @param rows     N (rows of K)
     * @param cols     columns of K (N for a Gram)
     * @param maxCells cells per side at most
     * @param order    display position of each row (and column, for a Gram) of K, or null for the identity
     */
    public CellGrid(long rows, long cols, int maxCells, int[] order) {
        if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kernel has " + rows + " x " + cols + " entries; at most 2^31 - 1 rows");
        }
        this.rows = rows;
        this.cols = cols;
        this.cellRows = (int) Math.min(rows, maxCells);
        this.cellCols = (int) Math.min(cols, maxCells);
        this.rowCell = cells(rows, cellRows, order);
        this.colCell = order != null && cols == rows ? rowCell : cells(cols, cellCols, null);
        this.sum = new double[cellRows * cellCols];
        this.count = new long[cellRows * cellCols];
    }

    private static int[] cells(long n, int cells, int[] order) {
        int[] c = new int[(int) n];
        for (int i = 0; i < n; i++) {
            long pos = order == null ? i : order[i];
            c[i] = (int) (pos * cells / n);
        }
        return c;
    }

    /** Adds a stored tile; {@code mirror} also adds its transpose (the lower triangle of a symmetric Gram). */
    public void add(Tile t, boolean mirror) {
        int r0 = (int) t.rowStart();
        int c0 = (int) t.colStart();
        double[] v = t.values();
        for (int i = 0; i < t.numRows(); i++) {
            int rc = rowCell[r0 + i] * cellCols;
            int base = i * t.numCols();
            for (int j = 0; j < t.numCols(); j++) {
                int cell = rc + colCell[c0 + j];
                sum[cell] += v[base + j];
                count[cell]++;
            }
        }
        if (mirror) {
            for (int i = 0; i < t.numRows(); i++) {
                int cc = rowCell[r0 + i];
                int base = i * t.numCols();
                for (int j = 0; j < t.numCols(); j++) {
                    int cell = colCell[c0 + j] * cellCols + cc;
                    sum[cell] += v[base + j];
                    count[cell]++;
                }
            }
        }
    }

    /** The cell means, [cell row][cell col]; NaN for a cell no entry reached (a missing tile). */
    public double[][] means() {
        double[][] z = new double[cellRows][cellCols];
        for (int i = 0; i < cellRows; i++) {
            for (int j = 0; j < cellCols; j++) {
                int c = i * cellCols + j;
                z[i][j] = count[c] == 0 ? Double.NaN : sum[c] / count[c];
            }
        }
        return z;
    }

    /** Rows of K per cell row (on average): 1 when not downsampled. */
    public double rowsPerCell() {
        return (double) rows / cellRows;
    }

    /** Cells per side. */
    public int cellRows() {
        return cellRows;
    }

    /** Cells per side (columns). */
    public int cellCols() {
        return cellCols;
    }
}
