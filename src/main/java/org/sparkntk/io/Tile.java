package org.sparkntk.io;

/**
 * One block of the kernel matrix: rows rowStart..rowStart+numRows-1 against columns
 * colStart..colStart+numCols-1, row-major. For a symmetric Gram only blockRow &lt;= blockCol is
 * stored; the block (J, I) is this tile transposed.
 */
public record Tile(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols, double[] values) {

    public Tile {
        if (numRows < 0 || numCols < 0 || values == null || values.length != (long) numRows * numCols) {
            throw new IllegalArgumentException("tile (" + blockRow + ", " + blockCol + ") has " + numRows + " x " + numCols
                    + " but " + (values == null ? "no" : values.length) + " values");
        }
    }

    /** Entry (i, j) of the tile, local indices. */
    public double get(int i, int j) {
        return values[i * numCols + j];
    }

    /** True for a diagonal tile of a symmetric Gram. */
    public boolean diagonal() {
        return blockRow == blockCol;
    }

    /** The transposed tile (block (J, I)); for assembling the lower triangle of a symmetric Gram. */
    public Tile transpose() {
        double[] t = new double[values.length];
        for (int i = 0; i < numRows; i++) {
            for (int j = 0; j < numCols; j++) {
                t[j * numRows + i] = values[i * numCols + j];
            }
        }
        return new Tile(blockCol, blockRow, colStart, rowStart, numCols, numRows, t);
    }
}
