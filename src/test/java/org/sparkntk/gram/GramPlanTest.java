package org.sparkntk.gram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure planner: block layout, tile lists, batches, default block size (no Spark). */
class GramPlanTest {

    @Test
    void raggedSymmetricLayout() {
        GramPlan p = new GramPlan(1000, 1000, 128, true);
        assertEquals(8, p.rowBlocks());
        assertEquals(36, p.tileCount());
        assertEquals(104, p.rowsIn(7));
        assertEquals(128, p.rowsIn(6));
        assertEquals(896, p.start(7));
        List<BlockPair> pairs = p.pairs();
        assertEquals(36, pairs.size());
        assertEquals(new BlockPair(0, 0), pairs.get(0));
        assertEquals(new BlockPair(0, 7), pairs.get(7));
        assertEquals(new BlockPair(7, 7), pairs.get(35));
        long entries = 0;
        for (BlockPair b : pairs) {
            assertTrue(b.row() <= b.col());
            entries += (long) p.rowsIn(b.row()) * p.colsIn(b.col());
        }
        assertEquals(entries, p.storedEntries());
        assertFalse(p.contains(new BlockPair(3, 2)));
        assertTrue(p.contains(new BlockPair(2, 3)));
    }

    @Test
    void crossLayoutHasAllPairs() {
        GramPlan p = new GramPlan(1000, 300, 128, false);
        assertEquals(3, p.colBlocks());
        assertEquals(24, p.tileCount());
        assertEquals(24, p.pairs().size());
        assertEquals(44, p.colsIn(2));
        assertEquals(1000L * 300, p.storedEntries());
        assertTrue(p.contains(new BlockPair(5, 1)));
    }

    @Test
    void missingAndBatches() {
        GramPlan p = new GramPlan(10, 10, 3, true); // 4 blocks, 10 tiles
        List<BlockPair> have = List.of(new BlockPair(0, 0), new BlockPair(1, 3));
        List<BlockPair> todo = p.missing(have);
        assertEquals(8, todo.size());
        assertFalse(todo.contains(new BlockPair(1, 3)));
        List<List<BlockPair>> one = GramPlan.batches(todo, 2, 16);
        assertEquals(1, one.size());
        List<BlockPair> many = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            many.add(new BlockPair(i, i));
        }
        List<List<BlockPair>> b = GramPlan.batches(many, 2, 16);
        assertEquals(16, b.size());
        int sum = 0;
        for (List<BlockPair> l : b) {
            sum += l.size();
        }
        assertEquals(5000, sum);
        // 36 tiles on 2 slots (N = 32768, B = 4096): one job, not two that each end with a tail
        assertEquals(1, GramPlan.batches(many.subList(0, 36), 2, 16).size());
        assertEquals(2, GramPlan.batches(many.subList(0, 129), 2, 16).size());
        assertEquals(new BlockPair(0, 0), b.get(0).get(0));
        assertEquals(0, GramPlan.batches(List.of(), 2, 16).size());
    }

    @Test
    void aTaskTakesOneTileUnlessABatchHasManyPerSlotOrTheTilesAreCheap() {
        // N = 32768, B = 4096, d = 784: 36 tiles of 26 GFLOP, 18 per slot: two consecutive tiles per
        // task (the second computed while the first's last output is written), row-major
        GramPlan p = new GramPlan(32768, 32768, 4096, true);
        List<List<BlockPair>> t = p.tasks(p.pairs(), 2, 784);
        assertEquals(18, t.size());
        for (int i = 0; i < t.size(); i++) {
            assertEquals(p.pairs().subList(2 * i, 2 * i + 2), t.get(i), "row-major, two tiles each");
        }
        // below PIPELINE_TILES_PER_SLOT (8) tiles per slot: one tile per task, so the batch's end is short
        assertEquals(15, p.tasks(p.pairs().subList(0, 15), 2, 784).size());
        assertEquals(8, p.tasks(p.pairs().subList(0, 16), 2, 784).size());
        // N = 10^6: 245 blocks, 30135 tiles; from 64 tiles per slot a task takes 2-4 consecutive tiles
        GramPlan big = new GramPlan(1_000_000, 1_000_000, 4096, true);
        List<BlockPair> all = big.pairs();
        assertEquals(30135, all.size());
        assertEquals(30135, big.tasks(all, 4000, 784).size());   // 7.5 tiles per slot
        assertEquals(15068, big.tasks(all, 1000, 784).size());   // 30.1 tiles per slot: two, pipelined
        assertEquals(2, big.tasks(all, 470, 784).get(0).size()); // 64.1 tiles per slot
        List<List<BlockPair>> grouped = big.tasks(all, 400, 784);   // 75 tiles per slot
        assertEquals(15068, grouped.size());
        assertEquals(all, grouped.stream().flatMap(List::stream).toList(), "every tile once, in order");
        assertEquals(4, big.tasks(all, 2, 784).get(0).size());
        // cheap tiles (B = 20, d = 10: 8 kFLOP each) go 2-4 to a task from 8 tiles per slot
        GramPlan small = new GramPlan(1000, 1000, 20, true); // 50 blocks, 1275 tiles
        assertEquals(4, small.tasks(small.pairs(), 4, 10).get(0).size());
        assertEquals(1, small.tasks(small.pairs().subList(0, 15), 4, 10).get(0).size());
        assertEquals(2, small.tasks(small.pairs().subList(0, 40), 4, 10).get(0).size());
        // the boundary: a tile of exactly CHEAP_TILE_FLOPS is not cheap
        int d = (int) Math.round(GramPlan.CHEAP_TILE_FLOPS / (2.0 * 20 * 20));
        assertEquals(2, small.tasks(small.pairs().subList(0, 64), 4, d).get(0).size());
        assertEquals(4, small.tasks(small.pairs().subList(0, 64), 4, d - 1).get(0).size());
    }

    @Test
    void batchesAndTasksLeaveAtMostOneTilePerSlotIdle() {
        // N = 32768, B = 4096 on 2 slots: 36 tiles, 28 off-diagonal and 8 diagonal (half the
        // compute, a full write: about 2/3 of an off-diagonal tile), list-scheduled like Spark's
        // free slots take the next task. The best split is 33.33 / 2 = 16.67 tiles per slot; the
        // earlier plan (two jobs of 18 tiles in tasks of 2) took 18.
        GramPlan p = new GramPlan(32768, 32768, 4096, true);
        double total = 0;
        double makespan = 0;
        for (List<BlockPair> batch : GramPlan.batches(p.pairs(), 2, 16)) {
            double[] free = new double[2];
            for (List<BlockPair> task : p.tasks(batch, 2, 784)) {
                int s = free[0] <= free[1] ? 0 : 1;
                for (BlockPair b : task) {
                    double c = b.row() == b.col() ? 2.0 / 3 : 1;
                    free[s] += c;
                    total += c;
                }
            }
            makespan += Math.max(free[0], free[1]);
        }
        assertEquals(33.33, total, 0.01);
        assertEquals(16.67, makespan, 0.01);
    }

    @Test
    void defaultBlockSize() {
        long gb8 = 8L << 30;
        // memory allows 4096, but 8 tiles per core want nb(nb+1)/2 >= 16
        assertEquals(192, BlockSizing.choose(1000, 1000, true, 20, 4, 8, gb8 / 2, 2));
        assertEquals(2752, BlockSizing.choose(16384, 16384, true, 784, 2, 8, gb8 / 2, 2));
        assertEquals(4096, BlockSizing.choose(1_000_000, 1_000_000, true, 784, 2, 8, gb8 / 2, 2));
        // small heap: memory decides
        int b = BlockSizing.choose(1_000_000, 1_000_000, true, 784, 8, 8, 512L << 20, 2);
        assertTrue(BlockSizing.taskBytes(b, 784, 8, 8) <= 0.3 * (512L << 20), "fits: " + b);
        assertTrue(BlockSizing.taskBytes(b + 64, 784, 8, 8) > 0.3 * (512L << 20), "largest: " + b);
        // tiny inputs: never more than N
        assertEquals(5, BlockSizing.choose(5, 5, true, 3, 2, 8, gb8, 2));
        assertEquals(64, BlockSizing.choose(100, 100, true, 3, 2, 8, gb8, 2));
    }

    @Test
    void workSkipsTilesOnDiskAndKeptBlocks() {
        GramPlan p = new GramPlan(1000, 1000, 250, true); // 4 blocks, 10 tiles
        // on disk: two of the plan's tiles and two that are not its tiles (lower triangle, beyond the blocks)
        GramPlan.Work w = p.work(List.of(new BlockPair(0, 3), new BlockPair(2, 2), new BlockPair(3, 1), new BlockPair(0, 9)), 0);
        assertEquals(List.of(new BlockPair(0, 3), new BlockPair(2, 2)), w.present());
        assertEquals(0, w.kept());
        assertEquals(List.of(new BlockPair(0, 0), new BlockPair(0, 1), new BlockPair(0, 2), new BlockPair(1, 1),
                new BlockPair(1, 2), new BlockPair(1, 3), new BlockPair(2, 3), new BlockPair(3, 3)), w.todo());
        // ntk run appending rows: the tiles of the first two blocks stay valid elsewhere
        GramPlan.Work k = p.work(List.of(), 2);
        assertEquals(3, k.kept());
        assertEquals(List.of(new BlockPair(0, 0), new BlockPair(0, 1), new BlockPair(1, 1)), k.present());
        assertEquals(7, k.todo().size());
        assertFalse(k.todo().contains(new BlockPair(0, 1)));
    }
}
