package org.sparkntk.gram;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The block layout of a kernel matrix (pure, no Spark): n rows and n2 columns in blocks of
 * {@code blockSize} (the last ragged), and the block pairs to compute: I &lt;= J for a symmetric
 * Gram, all pairs for a cross kernel (docs/design.md, "Phases").
 */
public record GramPlan(long n, long n2, int blockSize, boolean symmetric) {

    public GramPlan {
        if (n < 1 || n2 < 1 || blockSize < 1) {
            throw new IllegalArgumentException("plan needs n, n2, blockSize >= 1, got " + n + ", " + n2 + ", " + blockSize);
        }
        if (symmetric && n != n2) {
            throw new IllegalArgumentException("a symmetric plan needs n == n2, got " + n + " and " + n2);
        }
    }

    /** Number of row blocks ceil(n / B). */
    public int rowBlocks() {
        return blocks(n, blockSize);
    }

    /** Number of column blocks ceil(n2 / B). */
    public int colBlocks() {
        return blocks(n2, blockSize);
    }

    /** Number of tiles: nb(nb+1)/2 for a symmetric Gram, nb * nb2 for a cross kernel. */
    public long tileCount() {
        long r = rowBlocks();
        return symmetric ? r * (r + 1) / 2 : r * colBlocks();
    }

    /** First row of block I. */
    public long start(int block) {
        return (long) block * blockSize;
    }

    /** Rows in row block I (B, or fewer for the last). */
    public int rowsIn(int block) {
        return (int) Math.min(blockSize, n - start(block));
    }

    /** Columns in column block J. */
    public int colsIn(int block) {
        return (int) Math.min(blockSize, n2 - start(block));
    }

    /** Kernel entries the tiles hold (per kernel and depth). */
    public long storedEntries() {
        if (!symmetric) {
            return n * n2;
        }
        long full = rowBlocks() - 1L;
        long last = rowsIn(rowBlocks() - 1);
        // full blocks: upper triangle of blocks incl. diagonal, plus the ragged last row/column
        return full * (full + 1) / 2 * blockSize * (long) blockSize + full * blockSize * last + last * last;
    }

    /** Every block pair, row-major (row block outer), so consecutive tiles share their row block. */
    public List<BlockPair> pairs() {
        List<BlockPair> out = new ArrayList<>((int) Math.min(tileCount(), Integer.MAX_VALUE));
        for (int i = 0; i < rowBlocks(); i++) {
            for (int j = symmetric ? i : 0; j < colBlocks(); j++) {
                out.add(new BlockPair(i, j));
            }
        }
        return out;
    }

    /** The pairs not in {@code present} (for --resume), in {@link #pairs()} order. */
    public List<BlockPair> missing(Collection<BlockPair> present) {
        Set<BlockPair> have = new HashSet<>(present);
        List<BlockPair> out = new ArrayList<>();
        for (BlockPair p : pairs()) {
            if (!have.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Which tiles a run computes.
     *
     * @param present the plan's tiles already in OUT, then the kept ones
     * @param kept    tiles valid in the result being extended ({@code ntk run} appending rows), not in OUT
     * @param todo    the rest, in {@link #pairs()} order
     */
    public record Work(List<BlockPair> present, long kept, List<BlockPair> todo) {
    }

    /**
     * The work of a run given the tile files found in OUT (those outside this plan are ignored)
     * and {@code keepBlocks}: tiles whose row and column blocks are both below it are kept.
     */
    public Work work(Collection<BlockPair> onDisk, int keepBlocks) {
        List<BlockPair> present = new ArrayList<>();
        for (BlockPair p : onDisk) {
            if (contains(p)) {
                present.add(p);
            }
        }
        long kept = 0;
        if (keepBlocks > 0) {
            for (BlockPair p : pairs()) {
                if (p.row() < keepBlocks && p.col() < keepBlocks) {
                    present.add(p);
                    kept++;
                }
            }
        }
        return new Work(present, kept, missing(present));
    }

    /** True when (I, J) is a tile of this plan. */
    public boolean contains(BlockPair p) {
        return p.row() >= 0 && p.row() < rowBlocks() && p.col() >= 0 && p.col() < colBlocks()
                && (!symmetric || p.row() <= p.col());
    }

    /** Tiles per batch and slot: each batch is a Spark job, whose end waits for its slowest task. */
    static final int TILES_PER_SLOT = 64;

    /**
     * Splits the tiles into a few labelled Spark jobs: at most {@code 64 * parallelism} tiles each,
     * or more where {@code maxBatches} batches would not hold them; contiguous, so row blocks stay
     * shared. Each batch ends with a tail where some slots idle, so batches are few and large.
     */
    public static List<List<BlockPair>> batches(List<BlockPair> todo, int parallelism, int maxBatches) {
        List<List<BlockPair>> out = new ArrayList<>();
        if (todo.isEmpty()) {
            return out;
        }
        long per = (long) TILES_PER_SLOT * Math.max(1, parallelism);
        int count = (int) Math.max(1, Math.min(maxBatches, (todo.size() + per - 1) / per));
        int size = (todo.size() + count - 1) / count;
        for (int from = 0; from < todo.size(); from += size) {
            out.add(new ArrayList<>(todo.subList(from, Math.min(todo.size(), from + size))));
        }
        return out;
    }

    /**
     * GEMM flops of a full tile below which a tile is cheap (about 50 ms of one core's native
     * GEMM): a task's own cost, tens of milliseconds on a cluster, then matters, so tasks take
     * several tiles.
     */
    static final double CHEAP_TILE_FLOPS = 2.5e9;

    /**
     * Tiles per slot from which a task takes two tiles, so the write of its first tile's last
     * output (written only once the whole tile is computed: a tile file stores each output as one
     * row) overlaps the second tile's computation ({@code TileTask}); below it, one tile per task
     * keeps the batch's end short.
     */
    static final int PIPELINE_TILES_PER_SLOT = 8;

    /**
     * The tasks of one batch, in the order Spark starts them (row-major, so the last to start are
     * the last row block's, the cheapest: a diagonal tile of a symmetric Gram computes half of an
     * off-diagonal one, and the last block may be ragged). Below {@link #PIPELINE_TILES_PER_SLOT}
     * tiles per slot a task takes one tile, so a slot that frees takes the next tile and the batch's
     * end waits for at most one tile per slot; from there two consecutive tiles, and with 64 or
     * more tiles per slot 2-4 (4 from 128 per slot, in a batch
     * capped by {@code maxBatches}), which share their row block: fewer tasks to schedule and fewer
     * block reads on a cluster. Cheap tiles ({@link #CHEAP_TILE_FLOPS}) go 2-4 to a task from 8
     * tiles per slot.
     *
     * @param d the feature dimension (with the block size, what a tile's GEMM costs)
     */
    public List<List<BlockPair>> tasks(List<BlockPair> batch, int parallelism, int d) {
        boolean cheap = 2.0 * blockSize * blockSize * d < CHEAP_TILE_FLOPS;
        long perSlotPerTile = cheap ? 4 : 32; // a task takes a tile per this many tiles per slot, 1-4
        int perTask = (int) Math.max(1, Math.min(4, batch.size() / (perSlotPerTile * Math.max(1, parallelism))));
        if (perTask == 1 && !cheap && batch.size() >= PIPELINE_TILES_PER_SLOT * Math.max(1, parallelism)) {
            perTask = 2; // a task's second tile is computed while its first tile's last output is written
        }
        List<List<BlockPair>> out = new ArrayList<>();
        for (int from = 0; from < batch.size(); from += perTask) {
            out.add(new ArrayList<>(batch.subList(from, Math.min(batch.size(), from + perTask))));
        }
        return out;
    }

    static int blocks(long rows, int b) {
        return (int) ((rows + b - 1) / b);
    }
}
