package org.sparkntk.options;

import org.sparkntk.spec.UserError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.Precision;

/** One definition of the kernel options: defaults, parsing, the map form, messages. */
class KernelConfigTest {

    @Test
    void defaults() {
        KernelConfig c = KernelConfig.of(null, null, null, null, null, null, null, null);
        assertEquals(List.of(3), c.kernel().depths());
        assertEquals("relu", c.kernel().network().activation().name());
        assertEquals(1.0, c.kernel().network().weightStd());
        assertEquals(0.0, c.kernel().network().biasStd());
        assertEquals(List.of(KernelKind.NTK, KernelKind.NNGP), c.kernel().kernels());
        assertEquals(Precision.FLOAT64, c.kernel().precision());
        assertEquals(0, c.blockSize());
    }

    @Test
    void depthsSortedAndMapRoundTrip() {
        KernelConfig c = KernelConfig.of("erf", null, "5,1,3,3", 1.5, 0.1, "nngp", "float32", 256);
        assertEquals(List.of(1, 3, 5), c.kernel().depths());
        assertEquals(5, c.kernel().network().depth());
        assertEquals(3, c.kernel().outputs());
        assertEquals(c, KernelConfig.fromMap(c.toMap()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("depth", 2);
        m.put("blok-size", 64);
        UserError e = assertThrows(UserError.class, () -> KernelConfig.fromMap(m));
        assertEquals("unknown option 'blok-size'; did you mean 'block-size'?", e.getMessage());
    }

    /** --compute: its own option beside --precision, in the map form only when not the default. */
    @Test
    void computePrecisionIsItsOwnOption() {
        KernelConfig c = KernelConfig.of("relu", 2, null, null, null, null, "float64", "float32", null);
        assertEquals(Precision.FLOAT32, c.kernel().compute());
        assertEquals(Precision.FLOAT64, c.kernel().precision());
        assertEquals("float32", c.toMap().get(KernelConfig.COMPUTE));
        assertEquals(c, KernelConfig.fromMap(c.toMap()));
        KernelConfig d = KernelConfig.of(null, null, null, null, null, null, null, null);
        assertEquals(Precision.FLOAT64, d.kernel().compute());
        assertEquals(false, d.toMap().containsKey(KernelConfig.COMPUTE));
        assertEquals("'compute' is 'half' but must be float64 or float32",
                assertThrows(UserError.class, () -> KernelConfig.fromMap(Map.of("compute", "half"))).getMessage());
        assertEquals("'precision' is 'half' but must be float64 or float32",
                assertThrows(UserError.class, () -> KernelConfig.fromMap(Map.of("precision", "half"))).getMessage());
    }

    @Test
    void messages() {
        assertEquals("'depth' is 0 but must be in 1..100000",
                assertThrows(UserError.class, () -> KernelConfig.of(null, 0, null, null, null, null, null, null)).getMessage());
        assertEquals("'block-size' is 50000 but must be > 0 and <= 16000",
                assertThrows(UserError.class, () -> KernelConfig.of(null, null, null, null, null, null, null, 50000)).getMessage());
        assertEquals("'depths' has 'x' but must be a comma-separated list of integers in 1..100000",
                assertThrows(UserError.class, () -> KernelConfig.of(null, null, "1,x", null, null, null, null, null)).getMessage());
        assertEquals("give either 'features-col' or 'features-cols', not both",
                assertThrows(UserError.class, () -> InputConfig.of("in", null, "f", "a,b", null, null)).getMessage());
        assertEquals(List.of("a", "b"), InputConfig.of("in", null, null, " a, b ", null, "L2").featuresCols());
        assertEquals(Normalize.STANDARDIZE, InputConfig.fromMap(Map.of("input", "x", "normalize", "standardize")).normalize());
    }
}
