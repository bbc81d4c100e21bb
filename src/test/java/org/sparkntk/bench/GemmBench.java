package org.sparkntk.bench;

import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparkntk.tile.Gemm;
import org.sparkntk.tile.NetlibGemm;
import org.sparkntk.tile.panama.PanamaGemm;

/**
 * Gram GEMM c = a b^T (m = n = size, d features): native BLAS through netlib vs {@link PanamaGemm}
 * (vs netlib's Java BLAS once, with fewer iterations: it is ~30x slower). Time per call; GFLOP/s =
 * 2 size^2 d / time ({@code scripts/bench-gemm.sh} prints it). The symmetric variants do half the
 * flops but are reported against the same 2 size^2 d so their gain shows as a higher rate.
 * Run the native BLAS single-threaded (OPENBLAS_NUM_THREADS=1) for the fair comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class GemmBench {

    @Param({"2048"})
    int size;

    @Param({"64", "784"})
    int d;

    double[] a;
    double[] b;
    double[] c;
    NetlibGemm nativeBlas;
    NetlibGemm javaBlas;
    PanamaGemm panama;

    @Setup
    public void setup() {
        Random r = new Random(42);
        a = new double[size * d];
        b = new double[size * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian();
        }
        c = new double[size * size];
        nativeBlas = NetlibGemm.best();
        if (!nativeBlas.isNative()) {
            System.err.println("GemmBench: no native BLAS found (" + nativeBlas.name() + "); 'nativeBlas' measures netlib's fallback");
        }
        javaBlas = new NetlibGemm(JavaBLAS.getInstance());
        panama = new PanamaGemm();
    }

    @Benchmark
    public double[] nativeBlas() {
        nativeBlas.gemmABt(a, size, b, size, d, c);
        return c;
    }

    @Benchmark
    public double[] panama() {
        panama.gemmABt(a, size, b, size, d, c);
        return c;
    }

    /** Both cores: rows split over two threads (OpenBLAS multithreaded is nativeBlas without OPENBLAS_NUM_THREADS=1). */
    @Benchmark
    public double[] panama2Threads() {
        panama.gemmABt(a, size, b, size, d, c, 2);
        return c;
    }

    /** Diagonal tile a a^T: dsyrk + mirror. */
    @Benchmark
    public double[] nativeBlasSymmetric() {
        nativeBlas.gemmAAt(a, size, d, c);
        return c;
    }

    /** Diagonal tile a a^T: upper block triangle + mirror. */
    @Benchmark
    public double[] panamaSymmetric() {
        panama.gemmAAt(a, size, d, c);
        return c;
    }

    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public double[] netlibJava() {
        javaBlas.gemmABt(a, size, b, size, d, c);
        return c;
    }
}
