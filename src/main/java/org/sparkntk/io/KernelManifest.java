package org.sparkntk.io;

import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.spec.Precision;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkntk.kernel.Activations;
import org.sparkntk.kernel.NetworkSpec;

/**
 * {@code OUT/kernel.json} (and {@code OUT/_plan.json}, the same record without the result fields):
 * what was computed, from which input, and how it is stored (docs/format.md). kernel.json is
 * written last and atomically; its presence means every tile is present.
 *
 * @param formatVersion  this layout's version (1)
 * @param symmetric      true for a Gram K(IN, IN) (only block_row &lt;= block_col stored), false for a cross kernel
 * @param activation     activation name as {@link Activations#parse} accepts it
 * @param depths         stored depths; the network's depth is the largest
 * @param kernels        stored kernels: ntk and/or nngp
 * @param precision      float64 or float32 (storage)
 * @param compute        float64 or float32: precision of the Gram product; null (files written before
 *                       the option existed) means float64
 * @param n              rows of IN (matrix rows)
 * @param n2             rows of IN2 (matrix columns) for a cross kernel, else null
 * @param d              feature dimension
 * @param blockSize      rows per block (the last block ragged)
 * @param rowBlocks      number of row blocks ceil(n / blockSize)
 * @param colBlocks      number of column blocks
 * @param tilePairs      number of block pairs (= tile files)
 * @param input          IN: path, columns, fingerprint
 * @param input2         IN2 or null
 * @param normalize      none, l2 or standardize
 * @param version        spark-ntk version that wrote the file
 * @param tileCount      tile files present (kernel.json only)
 * @param bytesWritten   total bytes of the tile files (kernel.json only)
 * @param timingsSeconds wall times per phase (kernel.json only)
 * @param executors      GEMM / recursion implementations, vector species and tile writers seen on executors (kernel.json only)
 * @param createdAt      ISO-8601 time the file was written
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KernelManifest(int formatVersion, boolean symmetric, String activation, double weightStd, double biasStd,
                             List<Integer> depths, List<String> kernels, String precision, String compute, long n, Long n2, int d,
                             int blockSize, int rowBlocks, int colBlocks, long tilePairs, InputInfo input,
                             InputInfo input2, String normalize, String version, Long tileCount, Long bytesWritten,
                             Map<String, Double> timingsSeconds, Map<String, List<String>> executors, String createdAt) {

    /** A manifest without the compute field (float64), the layout before --compute existed. */
    public KernelManifest(int formatVersion, boolean symmetric, String activation, double weightStd, double biasStd,
                          List<Integer> depths, List<String> kernels, String precision, long n, Long n2, int d,
                          int blockSize, int rowBlocks, int colBlocks, long tilePairs, InputInfo input,
                          InputInfo input2, String normalize, String version, Long tileCount, Long bytesWritten,
                          Map<String, Double> timingsSeconds, Map<String, List<String>> executors, String createdAt) {
        this(formatVersion, symmetric, activation, weightStd, biasStd, depths, kernels, precision, null, n, n2, d, blockSize,
                rowBlocks, colBlocks, tilePairs, input, input2, normalize, version, tileCount, bytesWritten, timingsSeconds,
                executors, createdAt);
    }

    /** Current layout version. */
    public static final int FORMAT_VERSION = 1;
    /** File name of the manifest (written last). */
    public static final String KERNEL_JSON = "kernel.json";
    /** File name of the plan (written before any tile). */
    public static final String PLAN_JSON = "_plan.json";

    /**
     * One input.
     *
     * @param path         as given by the user
     * @param featuresCol  vector column, or null when featuresCols is used
     * @param featuresCols numeric columns, or null
     * @param idCol        id column or null (ids are row numbers)
     * @param idType       Spark SQL type of the id (e.g. bigint, string)
     * @param files        the fingerprint: every data file with size and modification time
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InputInfo(String path, String featuresCol, List<String> featuresCols, String idCol, String idType,
                            List<FileFingerprint> files) {
    }

    /** A data file of an input: full path, length in bytes, modification time (ms since epoch). */
    public record FileFingerprint(String path, long size, long modificationTime) {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * The plan of a computation ({@code _plan.json}): what {@code k} computes, stored in blocks of
     * {@code blockSize} rows; the result fields are set by {@link #completed}.
     */
    public static KernelManifest plan(KernelSpec k, boolean symmetric, long n, Long n2, int d, int blockSize, int rowBlocks,
                                      int colBlocks, long tilePairs, InputInfo input, InputInfo input2, String normalize,
                                      String version, String createdAt) {
        NetworkSpec net = k.network();
        return new KernelManifest(FORMAT_VERSION, symmetric, net.activation().name(), net.weightStd(), net.biasStd(), k.depths(),
                k.kernelLabels(), k.precision().label(), k.compute().label(), n, n2, d, blockSize, rowBlocks, colBlocks, tilePairs, input, input2,
                normalize, version, null, null, null, null, createdAt);
    }

    /** The network spec at the largest stored depth. */
    public NetworkSpec spec() {
        return new NetworkSpec(depths.get(depths.size() - 1), Activations.parse(activation), weightStd, biasStd);
    }

    /** What was computed, as the spec a job passes on (the inverse of {@link #plan}). */
    public KernelSpec kernelSpec() {
        List<KernelKind> kinds = new ArrayList<>();
        for (String k : kernels) {
            kinds.add(KernelKind.fromLabel(k));
        }
        return new KernelSpec(spec(), depths, kinds, Precision.parse(precision), computePrecision());
    }

    /** The compute precision of the Gram product; float64 for a file without the field. */
    public Precision computePrecision() {
        return compute == null ? Precision.FLOAT64 : Precision.parse(compute, "compute");
    }

    /** Number of matrix columns: n2 for a cross kernel, else n. */
    public long cols() {
        return n2 == null ? n : n2;
    }

    /** True when kernel {@code k} at depth {@code depth} is stored. */
    public boolean has(KernelKind k, int depth) {
        return kernels.contains(k.label()) && depths.contains(depth);
    }

    /** The same manifest with the result fields set (for kernel.json). */
    public KernelManifest completed(long tiles, long bytes, Map<String, Double> timings, Map<String, List<String>> executorImpls,
                                    String time) {
        return new KernelManifest(formatVersion, symmetric, activation, weightStd, biasStd, depths, kernels, precision, compute, n, n2, d,
                blockSize, rowBlocks, colBlocks, tilePairs, input, input2, normalize, version, tiles, bytes, timings,
                executorImpls, time);
    }

    /**
     * What differs between two plans in what they compute (spec, sizes, layout, input fingerprint);
     * empty when a run planned as {@code this} may resume one planned as {@code other}.
     */
    public List<String> planDifferences(KernelManifest other) {
        List<String> diffs = new ArrayList<>();
        diff(diffs, "kind", symmetric ? "gram" : "cross", other.symmetric ? "gram" : "cross");
        diff(diffs, "activation", activation, other.activation);
        diff(diffs, "weight-std", weightStd, other.weightStd);
        diff(diffs, "bias-std", biasStd, other.biasStd);
        diff(diffs, "depths", depths, other.depths);
        diff(diffs, "kernels", kernels, other.kernels);
        diff(diffs, "precision", precision, other.precision);
        diff(diffs, "compute", computePrecision().label(), other.computePrecision().label());
        diff(diffs, "block-size", blockSize, other.blockSize);
        diff(diffs, "normalize", normalize, other.normalize);
        diff(diffs, "N", n, other.n);
        diff(diffs, "N2", n2, other.n2);
        diff(diffs, "d", d, other.d);
        inputDiff(diffs, "input", input, other.input);
        inputDiff(diffs, "input2", input2, other.input2);
        return diffs;
    }

    private static void inputDiff(List<String> diffs, String name, InputInfo a, InputInfo b) {
        if (a == null || b == null) {
            diff(diffs, name, a == null ? null : a.path(), b == null ? null : b.path());
            return;
        }
        diff(diffs, name + " features", a.featuresCols() != null ? a.featuresCols() : a.featuresCol(),
                b.featuresCols() != null ? b.featuresCols() : b.featuresCol());
        diff(diffs, name + " id-col", a.idCol(), b.idCol());
        if (!Objects.equals(a.files(), b.files())) {
            diffs.add(name + " files changed (the fingerprint of paths, sizes and modification times differs)");
        }
    }

    private static void diff(List<String> diffs, String what, Object now, Object before) {
        if (!Objects.equals(now, before)) {
            diffs.add(what + " is " + now + " now but was " + before);
        }
    }

    /** The JSON text. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses JSON text. */
    public static KernelManifest fromJson(String text) throws IOException {
        return JSON.readValue(text, KernelManifest.class);
    }

    /** Reads {@code dir/name} (kernel.json or _plan.json). */
    public static KernelManifest read(Configuration conf, Path file) throws IOException {
        FileSystem fs = file.getFileSystem(conf);
        try (InputStream in = fs.open(file)) {
            return JSON.readValue(in, KernelManifest.class);
        }
    }

    /** Reads {@code OUT/kernel.json}: the manifest of a complete result. */
    public static KernelManifest readKernel(Configuration conf, String out) throws IOException {
        return read(conf, new Path(out, KERNEL_JSON));
    }

    /** Writes to {@code file} atomically: a temporary sibling, then a rename (an existing file is replaced). */
    public void write(Configuration conf, Path file) throws IOException {
        FileSystem fs = file.getFileSystem(conf);
        Path tmp = new Path(file.getParent(), "_" + file.getName() + ".tmp-" + java.util.UUID.randomUUID());
        try (OutputStream o = fs.create(tmp, true)) {
            o.write(toJson().getBytes(StandardCharsets.UTF_8));
        }
        if (fs.exists(file)) {
            fs.delete(file, false);
        }
        if (!fs.rename(tmp, file)) {
            fs.delete(tmp, false);
            throw new IOException("could not rename " + tmp + " to " + file);
        }
    }
}
