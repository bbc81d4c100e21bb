package org.sparkntk.gram;

import java.io.Serializable;

/**
 * What a tile task did, sent back to the driver (one small record per tile): sizes, time spent
 * reading blocks, in GEMM, in the recursion, writing, bytes written, and the implementations used.
 */
public record TileReport(int row, int col, int rows, int cols, int d, long readNanos, long gemmNanos, long recursionNanos,
                         long writeNanos, long bytes, String gemm, String recursion, String species)
        implements Serializable {

    /** Kernel entries of this tile (per kernel and depth). */
    public long entries() {
        return (long) rows * cols;
    }

    /** Floating-point operations of the tile's GEMM. */
    public double gemmFlops() {
        return 2.0 * rows * cols * d;
    }
}
