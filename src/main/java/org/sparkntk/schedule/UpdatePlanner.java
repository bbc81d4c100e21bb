package org.sparkntk.schedule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sparkntk.spec.KernelSpec;
import org.sparkntk.io.KernelManifest;
import org.sparkntk.io.KernelManifest.FileFingerprint;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.Normalize;

/**
 * Decides what a scheduled re-run of a job spec must do with an existing complete result (pure,
 * no Spark; docs/scheduling.md "What a re-run does"): nothing, append the new rows, or refuse.
 * Rows are indexed in (file path, row-in-file) order, so the earlier rows keep their indices exactly
 * when every earlier file is unchanged and every new file's path sorts after all earlier ones.
 */
public final class UpdatePlanner {

    private UpdatePlanner() {
    }

    /** What to do. */
    public sealed interface Decision permits UpToDate, Append, Refuse {
    }

    /** Same spec, same input files: nothing to compute. */
    public record UpToDate(long n) implements Decision {
    }

    /**
     * Same spec, the input gained files that sort after the earlier ones.
     *
     * @param oldN       rows in the existing result
     * @param blockSize  the existing block size (kept)
     * @param keepBlocks tiles whose row and column blocks are both below this are unchanged; the
     *                   old last block is recomputed when it was ragged (its size changes)
     * @param newFiles   the added files
     */
    public record Append(long oldN, int blockSize, int keepBlocks, List<FileFingerprint> newFiles) implements Decision {
    }

    /** The spec changed or earlier rows changed or vanished: the message says what and how to proceed. */
    public record Refuse(String message) implements Decision {
    }

    /**
     * @param done    OUT/kernel.json of the existing result
     * @param input   the spec's input options
     * @param kernel  the spec's kernel options (block size 0 = automatic, then the existing one is kept)
     * @param files   the fingerprint of the spec's input now, sorted by path
     * @param files2  the fingerprint of input2 now (cross kernel), else null
     */
    public static Decision decide(KernelManifest done, InputConfig input, KernelConfig kernel, List<FileFingerprint> files,
                                  List<FileFingerprint> files2) {
        List<String> diffs = specDifferences(done, input, kernel);
        if (!diffs.isEmpty()) {
            return new Refuse("the job spec changed since the result was computed: " + String.join("; ", diffs)
                    + ". Pass --overwrite to recompute it from scratch");
        }
        List<FileFingerprint> before = sorted(done.input().files());
        List<FileFingerprint> now = sorted(files);
        if (files2 != null && done.input2() != null && !Objects.equals(sorted(done.input2().files()), sorted(files2))) {
            return new Refuse("input2 '" + input.input2() + "' changed since the result was computed; appending is supported "
                    + "for the rows of a one-input Gram only. Pass --overwrite to recompute it");
        }
        if (before.equals(now)) {
            return new UpToDate(done.n());
        }
        Map<String, FileFingerprint> byPath = new HashMap<>();
        for (FileFingerprint f : now) {
            byPath.put(f.path(), f);
        }
        java.util.Set<String> oldPaths = new java.util.HashSet<>();
        for (FileFingerprint f : before) {
            oldPaths.add(f.path());
        }
        List<String> changed = new ArrayList<>();
        for (FileFingerprint f : before) {
            FileFingerprint g = byPath.get(f.path());
            if (g == null) {
                changed.add("'" + f.path() + "' vanished");
            } else if (g.size() != f.size() || g.modificationTime() != f.modificationTime()) {
                changed.add("'" + f.path() + "' changed (size " + f.size() + " -> " + g.size() + " bytes, modified "
                        + f.modificationTime() + " -> " + g.modificationTime() + ")");
            }
        }
        if (!changed.isEmpty()) {
            return new Refuse("earlier rows changed or vanished: " + String.join("; ", limit(changed))
                    + ". Only appending new files is incremental; pass --overwrite to recompute from scratch");
        }
        String lastOld = before.isEmpty() ? "" : before.get(before.size() - 1).path();
        List<FileFingerprint> added = new ArrayList<>();
        for (FileFingerprint f : now) {
            if (!oldPaths.contains(f.path())) {
                if (f.path().compareTo(lastOld) < 0) {
                    return new Refuse("new file '" + f.path() + "' sorts before the existing file '" + lastOld
                            + "', so earlier rows would move (rows are numbered in file-path order). Name new files so they "
                            + "sort after the existing ones (e.g. part-<date>-...), or pass --overwrite to recompute");
                }
                added.add(f);
            }
        }
        if (done.input2() != null) {
            return new Refuse("input '" + input.input() + "' gained " + added.size() + " file(s); appending is supported for a "
                    + "one-input Gram only, not a cross kernel. Pass --overwrite to recompute it");
        }
        if (input.normalize() == Normalize.STANDARDIZE) {
            return new Refuse("input '" + input.input() + "' gained " + added.size() + " file(s), but with normalize: "
                    + "standardize new rows change the column statistics and so every earlier row. Pass --overwrite to "
                    + "recompute, or use normalize: none or l2 for an appendable result");
        }
        int b = done.blockSize();
        // full blocks of the old result stay; a ragged old last block grows, so its tiles are redone
        int keep = (int) (done.n() / b);
        return new Append(done.n(), b, keep, added);
    }

    /** What the spec asks for that differs from what the result holds (N and files excluded). */
    static List<String> specDifferences(KernelManifest done, InputConfig input, KernelConfig kernel) {
        List<String> d = new ArrayList<>();
        diff(d, "input", input.input(), done.input().path());
        diff(d, "input2", input.input2(), done.input2() == null ? null : done.input2().path());
        Object featuresNow = input.featuresCols() != null ? input.featuresCols() : input.featuresCol();
        Object featuresBefore = done.input().featuresCols() != null ? done.input().featuresCols() : done.input().featuresCol();
        diff(d, input.featuresCols() != null ? InputConfig.FEATURES_COLS : InputConfig.FEATURES_COL, featuresNow, featuresBefore);
        diff(d, InputConfig.ID_COL, input.idCol(), done.input().idCol());
        diff(d, InputConfig.NORMALIZE, input.normalize().label(), done.normalize());
        KernelSpec k = kernel.kernel();
        diff(d, KernelConfig.ACTIVATION, k.network().activation().name(), done.activation());
        diff(d, KernelConfig.WEIGHT_STD, k.network().weightStd(), done.weightStd());
        diff(d, KernelConfig.BIAS_STD, k.network().biasStd(), done.biasStd());
        diff(d, KernelConfig.DEPTHS, k.depths(), done.depths());
        diff(d, KernelConfig.KERNELS, k.kernelLabels(), done.kernels());
        diff(d, KernelConfig.PRECISION, k.precision().label(), done.precision());
        if (kernel.blockSize() > 0) {
            diff(d, KernelConfig.BLOCK_SIZE, kernel.blockSize(), done.blockSize());
        }
        return d;
    }

    private static void diff(List<String> out, String key, Object now, Object before) {
        if (!Objects.equals(now, before)) {
            out.add("'" + key + "' is " + show(now) + " now but was " + show(before));
        }
    }

    private static String show(Object o) {
        return o == null ? "not set" : o instanceof String s ? "'" + s + "'" : String.valueOf(o);
    }

    private static List<FileFingerprint> sorted(List<FileFingerprint> files) {
        List<FileFingerprint> s = new ArrayList<>(files == null ? List.of() : files);
        s.sort((a, b) -> a.path().compareTo(b.path()));
        return s;
    }

    private static List<String> limit(List<String> l) {
        if (l.size() <= 3) {
            return l;
        }
        List<String> out = new ArrayList<>(l.subList(0, 3));
        out.add("and " + (l.size() - 3) + " more");
        return out;
    }
}
