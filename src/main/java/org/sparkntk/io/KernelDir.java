package org.sparkntk.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkntk.kernel.Suggest;
import org.sparkntk.options.UserError;

/**
 * A complete gram output directory as seen by its readers (export, {@link KernelMatrices}): the
 * facts from {@code OUT/kernel.json} that are needed to place tiles (docs/format.md). Opening
 * fails with a {@link UserError} when kernel.json is missing, because gram writes it last and its
 * absence means the run did not finish.
 */
public record KernelDir(Path root, long n, long n2, int dim, int blockSize, String precision, List<String> kernels,
                        List<Integer> depths, boolean symmetric, long tileCount) {

    /** Name of the manifest inside OUT. */
    public static final String MANIFEST = "kernel.json";

    /** Opens OUT (any Hadoop path) and reads its manifest. */
    public static KernelDir open(String out, Configuration conf) throws IOException {
        Path root = new Path(out);
        FileSystem fs = root.getFileSystem(conf);
        Path manifest = new Path(root, MANIFEST);
        if (!fs.exists(root)) {
            throw new UserError("'kernel' " + out + " does not exist");
        }
        if (!fs.exists(manifest)) {
            throw new UserError("incomplete kernel directory: " + out + " has no " + MANIFEST
                    + " (gram writes it last; the run did not finish, or this is not a gram output)");
        }
        JsonNode j;
        try (InputStream in = fs.open(manifest)) {
            j = new ObjectMapper().readTree(in);
        }
        return fromJson(root, j);
    }

    /** Reads the manifest fields this class needs, accepting either spelling (N or n, tile_count or tiles). */
    static KernelDir fromJson(Path root, JsonNode j) {
        long n = num(j, true, "N", "n", "rows").longValue();
        JsonNode n2node = field(j, "N2", "n2", "rows2");
        boolean symmetric = field(j, "symmetric") != null ? field(j, "symmetric").asBoolean() : n2node == null;
        long n2 = n2node != null && !n2node.isNull() ? n2node.longValue() : n;
        int d = num(j, false, "d", "dim").intValue();
        int b = num(j, true, "block_size", "blockSize").intValue();
        String precision = field(j, "precision") == null ? "float64" : field(j, "precision").asText();
        List<String> kernels = new ArrayList<>();
        JsonNode k = field(j, "kernels");
        if (k != null) {
            k.forEach(e -> kernels.add(e.asText()));
        }
        List<Integer> depths = new ArrayList<>();
        JsonNode ds = field(j, "depths");
        if (ds != null) {
            ds.forEach(e -> depths.add(e.asInt()));
        } else if (field(j, "spec") != null && field(j, "spec").has("depth")) {
            depths.add(field(j, "spec").get("depth").asInt());
        }
        Number tiles = num(j, false, "tile_count", "tiles", "tileCount");
        if (n < 1 || n2 < 1 || b < 1) {
            throw new UserError("damaged " + MANIFEST + " in " + root + ": N=" + n + ", N2=" + n2 + ", block_size=" + b);
        }
        return new KernelDir(root, n, n2, d, b, precision, List.copyOf(kernels), List.copyOf(depths), symmetric,
                tiles.longValue());
    }

    private static JsonNode field(JsonNode j, String... names) {
        for (String s : names) {
            if (j.has(s)) {
                return j.get(s);
            }
        }
        return null;
    }

    private static Number num(JsonNode j, boolean required, String... names) {
        JsonNode f = field(j, names);
        if (f == null || !f.isNumber()) {
            if (required) {
                throw new UserError("damaged " + MANIFEST + ": no numeric field '" + names[0] + "'");
            }
            return -1;
        }
        return f.numberValue();
    }

    /** The folder of tile files. */
    public Path tiles() {
        return new Path(root, "tiles");
    }

    /** The row index of the (first) input. */
    public Path index() {
        return new Path(root, "index");
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
        if (name != null) {
            if (!kernels.isEmpty() && !kernels.contains(name)) {
                throw new UserError("'name' is '" + name + "' but kernel " + name + " was not computed; "
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
