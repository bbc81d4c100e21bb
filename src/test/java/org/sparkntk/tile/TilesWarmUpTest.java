package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;

/** The JIT warm-up runs real tiles for the requested outputs, stops at its time limit and when interrupted. */
class TilesWarmUpTest {

    private final NetworkSpec spec = new NetworkSpec(3, Activations.parse("relu"), 1.0, 0.1);

    @Test
    void runsTilesWithinItsBudget() {
        long t0 = System.nanoTime();
        int tiles = Tiles.warmUp(KernelSpec.of(spec, new int[] {2, 3}, KernelKind.NTK), 200);
        assertTrue(tiles >= 1, "ran " + tiles + " tiles");
        // one tile may overrun the deadline; a 192 x 192 tile takes milliseconds once compiled
        assertTrue((System.nanoTime() - t0) / 1e6 < 5000, "warm-up overran its 200 ms budget by seconds");
    }

    @Test
    void stopsWhenInterrupted() {
        Thread.currentThread().interrupt();
        try {
            assertEquals(0, Tiles.warmUp(KernelSpec.of(spec, new int[] {3}, KernelKind.NTK, KernelKind.NNGP), 10_000));
        } finally {
            Thread.interrupted();
        }
    }
}
