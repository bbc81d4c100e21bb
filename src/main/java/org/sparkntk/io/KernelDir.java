package org.sparkntk.io;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkntk.kernel.Suggest;
import org.sparkntk.spec.UserError;

/**
 * A complete gram output directory as seen by its readers (export, {@link KernelMatrices}): the
 * facts from {@code OUT/kernel.json} ({@link KernelManifest}) needed to place tiles (docs/format.md),
 * and the user-facing choice of kernel and depth. Opening
 * fails with a {@link UserError} when kernel.json is missing, because gram writes it last and its
 * absence means the run did not finish.
 */
public record KernelDir(Path root, long n, long n2, int dim, int blockSize, String precision, List<String> kernels,
                        List<Integer> depths, boolean symmetric, long tilePairs) {

    /** Name of the manifest inside OUT. */
    public static final String MANIFEST = "kernel.json";

    /** Opens OUT (any Hadoop path) and reads its manifest ({@link KernelManifest}). */
    public static KernelDir open(String out, Configuration conf) throws IOException {
        return open("kernel", out, conf);
    }

    /** As {@link #open(String, Configuration)}, naming {@code option} when OUT does not exist. */
    public static KernelDir open(String option, String out, Configuration conf) throws IOException {
        Path root = new Path(out);
        FileSystem fs = root.getFileSystem(conf);
        Path manifest = new Path(root, MANIFEST);
        if (!fs.exists(root)) {
            throw new UserError("'" + option + "' " + out + " does not exist");
        }
        if (!fs.exists(manifest)) {
            throw new UserError("incomplete kernel directory: " + out + " has no " + MANIFEST
                    + " (gram writes it last; the run did not finish, or this is not a gram output)");
        }
        return of(root, KernelManifest.read(conf, manifest));
    }

    /** The facts of manifest {@code m} of OUT = {@code root}. */
    public static KernelDir of(Path root, KernelManifest m) {
        return new KernelDir(root, m.n(), m.cols(), m.d(), m.blockSize(), m.precision(), List.copyOf(m.kernels()),
                List.copyOf(m.depths()), m.symmetric(), m.tilePairs());
    }

    /** The folder of tile files. */
    public Path tiles() {
        return new Path(root, "tiles");
    }

    /** Number of row blocks. */
    public int rowBlocks() {
        return (int) ((n + blockSize - 1) / blockSize);
    }

    /** Number of column blocks. */
    public int colBlocks() {
        return (int) ((n2 + blockSize - 1) / blockSize);
    }

    /** Rows in row block {@code i} (the last one is ragged). */
    public int rowsIn(int i) {
        return (int) Math.min(blockSize, n - (long) i * blockSize);
    }

    /** Columns in column block {@code j}. */
    public int colsIn(int j) {
        return (int) Math.min(blockSize, n2 - (long) j * blockSize);
    }

    /** The kernel to read: {@code name} if given and computed; else 'ntk' if computed, else the only one. */
    public String resolveKernel(String name) {
        return resolveKernel("name", name);
    }

    /** As {@link #resolveKernel(String)}, naming {@code option} in the message. */
    public String resolveKernel(String option, String name) {
        if (name != null) {
            if (!kernels.isEmpty() && !kernels.contains(name)) {
                throw new UserError("'" + option + "' is '" + name + "' but kernel " + name + " was not computed; "
                        + root + " has " + contents() + Suggest.didYouMean(name, kernels));
            }
            return name;
        }
        if (kernels.contains("ntk") || kernels.isEmpty()) {
            return "ntk";
        }
        return kernels.get(0);
    }

    /** The depth to read: {@code depth} if given and computed; else the only depth; else an error listing them. */
    public int resolveDepth(Integer depth) {
        if (depth != null) {
            if (!depths.isEmpty() && !depths.contains(depth)) {
                throw new UserError("'depth' is " + depth + " but depth " + depth + " was not computed; "
                        + root + " has " + contents());
            }
            return depth;
        }
        if (depths.size() == 1) {
            return depths.get(0);
        }
        throw new UserError("'depth' is required: " + root + " has " + contents() + "; pass --depth L");
    }

    /** "kernels ntk, nngp at depths 1, 3". */
    public String contents() {
        return "kernels " + String.join(", ", kernels) + " at depths "
                + depths.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
