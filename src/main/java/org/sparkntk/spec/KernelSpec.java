package org.sparkntk.spec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;

/**
 * What a kernel computation computes and stores, validated once (where the options are parsed) and
 * passed whole from the CLI to the tile tasks, {@code Tiles.compute}, the manifest, models and
 * solve jobs: the network at the deepest requested depth, every requested depth, which kernels,
 * the storage precision and the compute precision of the Gram product.
 *
 * <p>Serializable for Spark tasks: an activation may hold functions, so the spec travels as its
 * text form ({@link Form}) and is rebuilt once per deserialized task.
 *
 * @param network   the network at depth max(depths)
 * @param depths    strictly increasing depths in 1..network.depth(), the last equal to it
 * @param kernels   ntk and/or nngp, in that order, at least one
 * @param precision storage precision of the values
 * @param compute   precision of the Gram product x . x' (the GEMM); the recursion is float64 either way
 *                  (docs/ntk-math.md, "Float32 compute")
 */
public record KernelSpec(NetworkSpec network, List<Integer> depths, List<KernelKind> kernels, Precision precision,
                         Precision compute) implements Serializable {

    private static final long serialVersionUID = 1L;

    public KernelSpec {
        if (network == null || precision == null || compute == null) {
            throw new IllegalArgumentException("a kernel spec needs a network, a storage and a compute precision");
        }
        depths = List.copyOf(depths);
        kernels = List.copyOf(kernels);
        checkDepths(depths, network.depth());
        if (depths.get(depths.size() - 1) != network.depth()) {
            throw new IllegalArgumentException("the network's depth " + network.depth() + " must be the deepest requested depth "
                    + depths.get(depths.size() - 1));
        }
        if (kernels.isEmpty() || kernels.size() > 2 || (kernels.size() == 2 && kernels.get(0) != KernelKind.NTK)
                || (kernels.size() == 2 && kernels.get(1) != KernelKind.NNGP)) {
            throw new IllegalArgumentException("kernels must be ntk and/or nngp in that order, got " + kernels);
        }
    }

    /** A spec computed in float64 (the default compute precision). */
    public KernelSpec(NetworkSpec network, List<Integer> depths, List<KernelKind> kernels, Precision precision) {
        this(network, depths, kernels, precision, Precision.FLOAT64);
    }

    /**
     * The spec of {@code network} at the given depths (each in 1..network.depth(); the network is
     * cut to the deepest) storing {@code kinds} (in any order) as float64.
     */
    public static KernelSpec of(NetworkSpec network, int[] depths, KernelKind... kinds) {
        List<Integer> ds = new ArrayList<>();
        for (int l : depths == null ? new int[0] : depths) {
            ds.add(l);
        }
        checkDepths(ds, network.depth());
        List<KernelKind> ks = new ArrayList<>();
        for (KernelKind k : KernelKind.values()) {
            if (List.of(kinds).contains(k)) {
                ks.add(k);
            }
        }
        return new KernelSpec(network.withDepth(ds.get(ds.size() - 1)), ds, ks, Precision.FLOAT64);
    }

    /** One kernel of {@code network} at its own depth (what regression uses). */
    public static KernelSpec of(NetworkSpec network, KernelKind kind) {
        return of(network, new int[] {network.depth()}, kind);
    }

    /** Depths must be strictly increasing within 1..depth. */
    public static void checkDepths(List<Integer> depths, int depth) {
        if (depths == null || depths.isEmpty()) {
            throw new IllegalArgumentException("'depths' is empty; give at least one depth in 1.." + depth);
        }
        for (int k = 0; k < depths.size(); k++) {
            int l = depths.get(k);
            if (l < 1 || l > depth) {
                throw new IllegalArgumentException("'depths' contains " + l + " but each must be in 1.." + depth);
            }
            if (k > 0 && l <= depths.get(k - 1)) {
                throw new IllegalArgumentException("'depths' must be strictly increasing, got " + depths.get(k - 1) + " then " + l);
            }
        }
    }

    /** The deepest requested depth (= network().depth()). */
    public int deepest() {
        return network.depth();
    }

    /** Depths as an int array (a fresh copy). */
    public int[] depthArray() {
        return depths.stream().mapToInt(Integer::intValue).toArray();
    }

    /** True when {@code k} is computed. */
    public boolean has(KernelKind k) {
        return kernels.contains(k);
    }

    /** Number of (kernel, depth) outputs per tile. */
    public int outputs() {
        return depths.size() * kernels.size();
    }

    /** The kernel labels in order, as stored in kernel.json: e.g. [ntk, nngp]. */
    public List<String> kernelLabels() {
        return kernels.stream().map(KernelKind::label).toList();
    }

    /** Same computation stored at another precision. */
    public KernelSpec withPrecision(Precision p) {
        return new KernelSpec(network, depths, kernels, p, compute);
    }

    /** Same kernel with the Gram product computed at precision {@code c}. */
    public KernelSpec withCompute(Precision c) {
        return new KernelSpec(network, depths, kernels, precision, c);
    }

    private Object writeReplace() {
        return new Form(network.activation().name(), network.weightStd(), network.biasStd(), depths, kernels, precision, compute);
    }

    /** The serialized form: the activation by name, as {@link Activations#parse} reads it back. */
    private record Form(String activation, double weightStd, double biasStd, List<Integer> depths, List<KernelKind> kernels,
                        Precision precision, Precision compute) implements Serializable {
        private static final long serialVersionUID = 1L;

        private Object readResolve() {
            NetworkSpec n = new NetworkSpec(depths.get(depths.size() - 1), Activations.parse(activation), weightStd, biasStd);
            return new KernelSpec(n, depths, kernels, precision, compute);
        }
    }
}
