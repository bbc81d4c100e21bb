package org.sparkntk.tile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;

/**
 * The scalar fallback as users meet it: a JVM started without {@code --add-modules
 * jdk.incubator.vector} (every other test JVM has the module) picks the scalar recursion, says so
 * once naming the fix, and computes the same tile as the scalar reference in this JVM.
 */
class ScalarFallbackTest {

    static final String FIX = "start the JVM with --add-modules=jdk.incubator.vector";

    /** The child JVM: prints the recursion picked, then the tile's values, one per line. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println(TileKernels.recursion().name());
            double[][] ntk = {new double[TILE_M * TILE_N]};
            double[][] nngp = {new double[TILE_M * TILE_N]};
            Tiles.compute(spec(), new Rows(rows(TILE_M, 1), TILE_M, D), new Rows(rows(TILE_N, 2), TILE_N, D), false, ntk, nngp);
            for (int i = 0; i < ntk[0].length; i++) {
                System.out.println(Double.toHexString(ntk[0][i]) + " " + Double.toHexString(nngp[0][i]));
            }
        }
    }

    static final int TILE_M = 5;
    static final int TILE_N = 7;
    static final int D = 3;

    static KernelSpec spec() {
        return KernelSpec.of(new NetworkSpec(4, org.sparkntk.kernel.Activations.parse("erf"), 1.2, 0.1), new int[] {4},
                KernelKind.NTK, KernelKind.NNGP);
    }

    static double[] rows(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] x = new double[n * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    @Test
    void withoutTheVectorModuleTheScalarPathRunsAndSaysSoOnce() throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = Files.createTempFile("scalar-fallback", ".err");
        Process p = new ProcessBuilder(javaBin, "-Xmx128m", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                Child.class.getName())
                .redirectError(err.toFile())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String log = Files.readString(err);
        Files.deleteIfExists(err);
        assertEquals(0, p.exitValue(), log);
        List<String> lines = new ArrayList<>(List.of(out.split("\n")));
        assertEquals("scalar", lines.remove(0), "recursion picked without the module; stderr: " + log);
        assertEquals(1, log.split(Pattern.quote(FIX), -1).length - 1, "the fix is named once: " + log);
        assertTrue(log.contains("spark-ntk uses the scalar tile kernels"), log);

        double[][] ntk = {new double[TILE_M * TILE_N]};
        double[][] nngp = {new double[TILE_M * TILE_N]};
        Tiles.compute(spec(), new Rows(rows(TILE_M, 1), TILE_M, D), new Rows(rows(TILE_N, 2), TILE_N, D), false, ntk, nngp,
                new ScalarGemm(), new ScalarRecursion(), null);
        assertEquals(TILE_M * TILE_N, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String[] v = lines.get(i).trim().split(" ");
            // the child's GEMM may be netlib (another summation order): agree to rounding
            assertEquals(ntk[0][i], Double.parseDouble(v[0]), 1e-12 * Math.abs(ntk[0][i]), "ntk entry " + i);
            assertEquals(nngp[0][i], Double.parseDouble(v[1]), 1e-12 * Math.abs(nngp[0][i]), "nngp entry " + i);
        }
    }
}
