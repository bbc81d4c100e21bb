package org.sparkntk.cli;

import java.util.Random;
import java.util.concurrent.Callable;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.tile.Rows;
import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.Recursion;
import org.sparkntk.tile.TileKernels;
import org.sparkntk.tile.Tiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ntk doctor}: what this JVM will run and how fast; run it on a cluster node to see why a job is slow. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Print Java version, vector species, BLAS in use and a short GEMM/recursion throughput probe.")
final class DoctorCommand implements Callable<Integer> {

    @Option(names = "--seconds", defaultValue = "2", description = "Length of the throughput probe in seconds (default ${DEFAULT-VALUE}).")
    double seconds;

    @Override
    public Integer call() {
        System.out.println("java:           " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("java.home") + ")");
        System.out.println("cores:          " + Runtime.getRuntime().availableProcessors());
        System.out.println("jit:            " + DriverJit.state());
        System.out.println("vector species: " + TileKernels.vectorSpecies());
        Recursion rec = TileKernels.recursion();
        Gemm gemm = TileKernels.gemm();
        System.out.println("recursion:      " + rec.name());
        System.out.println("gemm:           " + gemm.name() + (TileKernels.nativeBlas() ? "" : "  (no native BLAS: apt-get install libopenblas0-pthread)"));
        if (TileKernels.nativeBlas()) {
            String core = System.getenv("OPENBLAS_CORETYPE");
            System.out.println("openblas core:  " + (core == null ? "detected by OpenBLAS (OPENBLAS_CORETYPE unset; an OpenBLAS"
                    + " older than the CPU falls back to a slow generic kernel, see scripts/ntk)" : core + " (OPENBLAS_CORETYPE)"));
        }
        System.out.println("panel product:  " + TileKernels.panelProduct(org.sparkntk.spec.Precision.FLOAT64).name()
                + " (PCG / Nystrom passes over the cached kernel)");
        System.out.println("dense timings:  " + org.sparkntk.solve.DenseTimings.status(org.sparkntk.solve.CholeskySolver.wanted()));
        probe(gemm, rec);
        return 0;
    }

    private void probe(Gemm gemm, Recursion rec) {
        int b = 512;
        int d = 256;
        Random r = new Random(1);
        double[] a = new double[b * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
        }
        double[] c = new double[b * b];
        double half = seconds / 2;
        long t0 = System.nanoTime();
        int reps = 0;
        do {
            gemm.gemmABt(a, b, a, b, d, c);
            reps++;
        } while ((System.nanoTime() - t0) < half * 1e9);
        double gflops = 2.0 * b * b * d * reps / (System.nanoTime() - t0);
        System.out.printf("gemm probe:     %.1f GFLOP/s (%d x %d x %d, one thread)%n", gflops, b, b, d);
        NetworkSpec spec = NetworkSpec.of(4, "relu");
        double[][] out = {new double[b * b]};
        KernelSpec k = KernelSpec.of(spec, KernelKind.NTK);
        Rows rows = new Rows(a, b, d);
        t0 = System.nanoTime();
        reps = 0;
        do {
            Tiles.compute(k, rows, rows, false, out, null, gemm, rec, null);
            reps++;
        } while ((System.nanoTime() - t0) < half * 1e9);
        double ns = (System.nanoTime() - t0) / ((double) reps * b * b * (spec.depth() - 1));
        System.out.printf("tile probe:     %.2f ns per entry-layer (relu, L=4, %d x %d tile incl. gemm, one thread)%n", ns, b, b);
    }
}
