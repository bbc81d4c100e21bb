package org.sparkntk.gram;

/**
 * The default block size (docs/design.md, "Block size"): as large as the per-task memory budget
 * allows (bigger tiles mean a faster GEMM and fewer reads of each block), at most
 * {@link #MAX_DEFAULT}, but small enough that there are about {@code 8 x cores} tiles or more to
 * keep every core busy; a multiple of 64 (or n itself when n is small).
 */
public final class BlockSizing {

    /** Largest block size picked automatically (--block-size may go higher). */
    public static final int MAX_DEFAULT = 4096;
    /** Smallest block size picked automatically (unless n is smaller). */
    public static final int MIN_DEFAULT = 64;
    /** Fraction of a task's share of executor heap the tile arrays may use. */
    public static final double HEAP_FRACTION = 0.3;

    private BlockSizing() {
    }

    /**
     * Bytes a tile task holds for block size b: two input blocks, the Gram product, the outputs,
     * recursion scratch (about 3 tiles) and the Parquet page buffers of the outputs.
     */
    public static long taskBytes(int b, int d, int outputs, int bytesPerValue) {
        long bb = (long) b * b;
        return 16L * b * d + bb * (8L * (outputs + 3) + (long) bytesPerValue * outputs);
    }

    /**
     * Picks B.
     *
     * @param n            matrix rows
     * @param n2           matrix columns (n for a Gram)
     * @param symmetric    Gram (tiles I &lt;= J) or cross kernel
     * @param d            feature dimension
     * @param outputs      kernels x depths stored per tile
     * @param bytesPerValue 8 for float64 storage, 4 for float32
     * @param taskHeap     heap bytes available per concurrently running task (executor heap / cores)
     * @param totalCores   cores of the application
     */
    public static int choose(long n, long n2, boolean symmetric, int d, int outputs, int bytesPerValue, long taskHeap,
                             int totalCores) {
        long budget = (long) (taskHeap * HEAP_FRACTION);
        int bMem = MIN_DEFAULT;
        for (int b = MAX_DEFAULT; b >= MIN_DEFAULT; b -= MIN_DEFAULT) {
            if (taskBytes(b, d, outputs, bytesPerValue) <= budget) {
                bMem = b;
                break;
            }
        }
        // enough tiles: a Gram with nb blocks has nb(nb+1)/2 tiles, a cross kernel nb * nb2
        long wantTiles = 8L * Math.max(1, totalCores);
        long bPar = MAX_DEFAULT;
        for (long nb = 1; nb <= n; nb++) {
            long b = (n + nb - 1) / nb;
            long tiles = symmetric ? nb * (nb + 1) / 2 : nb * ((n2 + b - 1) / b);
            if (tiles >= wantTiles) {
                bPar = b;
                break;
            }
            if (nb == n) {
                bPar = 1;
            }
        }
        // round the balance bound up to a multiple of 64 (keeps its block count), memory bound wins
        long b = Math.min(bMem, (bPar + MIN_DEFAULT - 1) / MIN_DEFAULT * MIN_DEFAULT);
        b = Math.max(b, MIN_DEFAULT);
        long maxRows = Math.max(n, n2);
        return (int) Math.min(b, maxRows);
    }
}
