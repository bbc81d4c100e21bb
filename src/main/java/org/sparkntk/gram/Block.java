package org.sparkntk.gram;

/** A block of consecutive input rows: rows start..start+rows-1, row-major rows x d features. */
public record Block(int index, long start, int rows, int d, double[] x) {
}
