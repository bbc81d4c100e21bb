package org.sparkntk.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.tile.Diagonal;
import org.sparkntk.tile.NetlibGemm;
import org.sparkntk.tile.Recursion;
import org.sparkntk.tile.ScalarRecursion;
import org.sparkntk.tile.panama.PanamaRecursion;

/**
 * The layer recursion on one block x block tile (non-symmetric, NTK and NNGP at depth L), vector
 * vs scalar; the Gram product is computed once in setup. Time per op is one tile:
 * ns per entry-layer = (ms/op) * 1e6 / (block^2 (L-1)).
 *
 * <p>Run: {@code scripts/bench-jmh.sh RecursionBench} (all: ~4 min for the vector cases; the scalar
 * recursion is ~10x slower, so add e.g. {@code -p block=1024} or select {@code -p impl=vector}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecursionBench {

    @Param({"relu", "erf"})
    public String activation;

    @Param({"4", "11"})
    public int depth;

    @Param({"vector", "scalar"})
    public String impl;

    @Param({"2048"})
    public int block;

    /** Input dimension of the random rows (only sets the Gram tile's statistics). */
    @Param({"64"})
    public int dim;

    private NetworkSpec spec;
    private Recursion recursion;
    private double[] g;
    private double[] q;
    private int[] depths;
    private double[][] ntk;
    private double[][] nngp;

    @Setup(Level.Trial)
    public void setup() {
        spec = new NetworkSpec(depth, Activations.parse(activation), 1.0, 0.1);
        recursion = impl.equals("vector") ? new PanamaRecursion() : new ScalarRecursion();
        Random r = new Random(1);
        double[] x = new double[block * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        g = new double[block * block];
        NetlibGemm.best().gemmABt(x, block, x, block, dim, g);
        q = Diagonal.variances(spec, Diagonal.squaredNorms(x, block, dim), block, dim);
        depths = new int[] {depth};
        ntk = new double[][] {new double[block * block]};
        nngp = new double[][] {new double[block * block]};
    }

    @Benchmark
    public double tile() {
        recursion.recurse(spec, dim, g, block, block, q, q, false, depths, ntk, nngp);
        return ntk[0][block + 1];
    }
}
