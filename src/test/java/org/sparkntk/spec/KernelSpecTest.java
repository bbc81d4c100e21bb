package org.sparkntk.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;

/** The one kernel spec: its invariants, and that it travels to tasks whole (Java serialization, as Spark ships it). */
class KernelSpecTest {

    @Test
    void survivesSerializationWithAQuadratureActivation() throws Exception {
        KernelSpec k = new KernelSpec(new NetworkSpec(5, Activations.parse("elu:0.5"), 1.3, 0.2), List.of(1, 3, 5),
                List.of(KernelKind.NTK, KernelKind.NNGP), Precision.FLOAT32);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(k);
        }
        KernelSpec back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (KernelSpec) in.readObject();
        }
        assertEquals(k.network().activation().name(), back.network().activation().name());
        assertEquals(k.network().activation().meanPhiSq(0.7), back.network().activation().meanPhiSq(0.7)); // alpha kept
        assertEquals(k.depths(), back.depths());
        assertEquals(k.kernels(), back.kernels());
        assertEquals(Precision.FLOAT32, back.precision());
        assertEquals(1.3, back.network().weightStd());
        assertEquals(0.2, back.network().biasStd());
        assertEquals(5, back.deepest());
    }

    @Test
    void theNetworkIsAtTheDeepestDepthAndKernelsAreOrdered() {
        NetworkSpec net = NetworkSpec.of(10, "relu");
        KernelSpec k = KernelSpec.of(net, new int[] {2, 4}, KernelKind.NNGP, KernelKind.NTK);
        assertEquals(4, k.network().depth());
        assertEquals(List.of(KernelKind.NTK, KernelKind.NNGP), k.kernels());
        assertEquals(List.of("ntk", "nngp"), k.kernelLabels());
        assertEquals(4, k.outputs());
        assertEquals("the network's depth 10 must be the deepest requested depth 4",
                assertThrows(IllegalArgumentException.class,
                        () -> new KernelSpec(net, List.of(2, 4), List.of(KernelKind.NTK), Precision.FLOAT64)).getMessage());
        assertEquals("'depths' contains 11 but each must be in 1..10",
                assertThrows(IllegalArgumentException.class, () -> KernelSpec.of(net, new int[] {11}, KernelKind.NTK)).getMessage());
        assertEquals("'depths' must be strictly increasing, got 3 then 3",
                assertThrows(IllegalArgumentException.class, () -> KernelSpec.of(net, new int[] {3, 3}, KernelKind.NTK)).getMessage());
        assertEquals("kernels must be ntk and/or nngp in that order, got []",
                assertThrows(IllegalArgumentException.class, () -> KernelSpec.of(net, new int[] {3})).getMessage());
    }
}
