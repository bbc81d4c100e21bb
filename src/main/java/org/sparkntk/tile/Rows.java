package org.sparkntk.tile;

/**
 * A block of {@code n} rows of dimension {@code d}, row-major in {@code x} (at least n*d entries):
 * one side of a tile.
 */
public record Rows(double[] x, int n, int d) {

    public Rows {
        if (d < 1) {
            throw new IllegalArgumentException("feature dimension is " + d + " but must be >= 1");
        }
        if (n < 0 || x.length < (long) n * d) {
            throw new IllegalArgumentException("rows hold " + x.length + " values, need " + n + " x " + d);
        }
    }
}
