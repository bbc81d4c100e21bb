package org.sparkntk.tile.panama;

import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.Recursion;

/**
 * Entry point to the Vector API ({@code jdk.incubator.vector}) kernels. Only loaded after
 * {@code TileKernels} checked that the module is present, so nothing else touches the
 * incubator module.
 */
public final class PanamaSupport {

    private PanamaSupport() {
    }

    /** Vector species description, e.g. {@code DoubleVector 512-bit (8 lanes)}. */
    public static String species() {
        var s = Species.PREFERRED;
        return "DoubleVector " + s.vectorBitSize() + "-bit (" + s.length() + " lanes)";
    }

    /** Bits of the preferred vector: below 128 (one double per vector) the scalar kernels are as fast. */
    public static int vectorBits() {
        return Species.PREFERRED.vectorBitSize();
    }

    /** The Vector API GEMM. */
    public static Gemm gemm() {
        return new PanamaGemm();
    }

    /** The fused Vector API panel product of the PCG / FALKON passes. */
    public static org.sparkntk.tile.PanelProduct panelProduct() {
        return new PanamaPanelProduct();
    }

    /** The Vector API recursion. */
    public static Recursion recursion() {
        return new PanamaRecursion();
    }
}
