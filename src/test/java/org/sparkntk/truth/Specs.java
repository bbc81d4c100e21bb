package org.sparkntk.truth;

import java.util.ArrayList;
import java.util.List;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;

/** Kernel specs for tests that call the tile kernel with output arrays at hand. */
public final class Specs {

    private Specs() {
    }

    /** The spec of {@code network} at {@code depths} computing the kernels whose outputs are not null. */
    public static KernelSpec of(NetworkSpec network, int[] depths, double[][] ntk, double[][] nngp) {
        List<KernelKind> kinds = new ArrayList<>();
        if (ntk != null) {
            kinds.add(KernelKind.NTK);
        }
        if (nngp != null) {
            kinds.add(KernelKind.NNGP);
        }
        return KernelSpec.of(network, depths, kinds.toArray(new KernelKind[0]));
    }
}
