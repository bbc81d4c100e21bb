package org.sparkntk.regress;

import java.io.Serializable;

/**
 * One tile of a symmetric kernel K(X, X) with blockRow &lt;= blockCol (row-major numRows x numCols),
 * or of a cross kernel: the unit the distributed operator caches and streams.
 */
public record TileBlock(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols,
                        double[] values) implements Serializable {

    /** A diagonal tile of a symmetric kernel. */
    public boolean diagonal() {
        return blockRow == blockCol;
    }
}
