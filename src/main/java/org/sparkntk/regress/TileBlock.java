package org.sparkntk.regress;

import java.io.Serializable;
import org.sparkntk.spec.Precision;

/**
 * One tile of a symmetric kernel K(X, X) with blockRow &lt;= blockCol (row-major numRows x numCols),
 * or of a cross kernel: the unit the distributed operator caches and streams. The values are held
 * in float64 ({@code values}) or, for a float32 cache, rounded to float32 ({@code floats}); exactly
 * one of the two is non-null. Readers go through {@link #get} / {@link #panel}, which widen to double.
 */
public record TileBlock(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols,
                        double[] values, float[] floats) implements Serializable {

    public TileBlock {
        if ((values == null) == (floats == null)) {
            throw new IllegalArgumentException("a tile holds either float64 or float32 values");
        }
    }

    /** A float64 tile. */
    public TileBlock(int blockRow, int blockCol, long rowStart, long colStart, int numRows, int numCols, double[] values) {
        this(blockRow, blockCol, rowStart, colStart, numRows, numCols, values, null);
    }

    /** A diagonal tile of a symmetric kernel. */
    public boolean diagonal() {
        return blockRow == blockCol;
    }

    /** The storage precision of the values. */
    public Precision precision() {
        return floats != null ? Precision.FLOAT32 : Precision.FLOAT64;
    }

    /** Entry (i, j) as a double. */
    public double get(int i, int j) {
        int idx = i * numCols + j;
        return values != null ? values[idx] : floats[idx];
    }

    /**
     * Rows [i0, i0 + rows) as a row-major double array: the float64 values themselves, or the
     * float32 values widened into {@code buf} (at least rows x numCols long).
     *
     * @return the array holding the panel; the panel starts at {@link #panelOffset} in it
     */
    public double[] panel(int i0, int rows, double[] buf) {
        if (values != null) {
            return values;
        }
        int len = rows * numCols;
        int off = i0 * numCols;
        for (int q = 0; q < len; q++) {
            buf[q] = floats[off + q];
        }
        return buf;
    }

    /** Where the panel of {@link #panel} starts in the returned array. */
    public int panelOffset(int i0) {
        return values != null ? i0 * numCols : 0;
    }

    /** This tile stored at the given precision (float32 rounds each value to nearest). */
    public TileBlock withPrecision(Precision p) {
        if (p == precision()) {
            return this;
        }
        if (p == Precision.FLOAT32) {
            float[] f = new float[values.length];
            for (int q = 0; q < f.length; q++) {
                f[q] = (float) values[q];
            }
            return new TileBlock(blockRow, blockCol, rowStart, colStart, numRows, numCols, null, f);
        }
        double[] d = new double[floats.length];
        for (int q = 0; q < d.length; q++) {
            d[q] = floats[q];
        }
        return new TileBlock(blockRow, blockCol, rowStart, colStart, numRows, numCols, d, null);
    }
}
