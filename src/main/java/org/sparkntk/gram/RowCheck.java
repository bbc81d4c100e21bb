package org.sparkntk.gram;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Input validation without Spark: each partition of the indexed rows is summarised in one pass
 * ({@link #summarize}; rows in any order), and the summaries, in any order, give the problem at
 * the smallest row index, or N and d ({@link #combine}).
 */
public final class RowCheck {

    private RowCheck() {
    }

    /** The smallest row index seen with a given feature length. */
    public record LengthSeen(int length, long index, Object id) implements Serializable {
    }

    /**
     * What one partition saw.
     *
     * @param lengths the (at most two) feature lengths whose first row comes earliest, earliest first:
     *                enough to find the first row whose length differs from row 0's
     */
    public record Summary(long count, List<LengthSeen> lengths, long badIndex, Object badId, String badProblem,
                          long nullIdIndex, double maxSq, long maxIndex, Object maxId) implements Serializable {
    }

    /**
     * N, d, or the message of the first bad row; and the largest squared norm of a row with its
     * name (the row whose kernel overflows first, checked by GramJob before anything is written).
     */
    public record Result(long n, int d, String error, double maxSq, String maxName) {
        Result(long n, int d, String error) {
            this(n, d, error, 0.0, null);
        }
    }

    /** Problems of a feature vector: null, NaN or infinite, empty; null when fine. */
    public static String vectorProblem(double[] x) {
        if (x == null) {
            return "features are null";
        }
        for (int k = 0; k < x.length; k++) {
            double v = x[k];
            if (Double.isNaN(v)) {
                return "features[" + k + "] is NaN; features must be finite numbers";
            }
            if (Double.isInfinite(v)) {
                return "features[" + k + "] is " + (v > 0 ? "Infinity" : "-Infinity") + "; features must be finite numbers";
            }
        }
        if (x.length == 0) {
            return "features are empty (length 0)";
        }
        return null;
    }

    /** One pass over a partition's rows (any order). */
    public static Summary summarize(Iterator<InputRow> rows, boolean checkNullIds) {
        long count = 0;
        Map<Integer, LengthSeen> lengths = new HashMap<>();
        long badIndex = -1;
        Object badId = null;
        String badProblem = null;
        long nullIdIndex = -1;
        double maxSq = -1;
        long maxIndex = -1;
        Object maxId = null;
        while (rows.hasNext()) {
            InputRow r = rows.next();
            count++;
            long i = r.index();
            if (r.x() != null && r.problem() == null) {
                double sq = 0;
                for (double v : r.x()) {
                    sq += v * v;
                }
                if (sq > maxSq || sq == maxSq && i < maxIndex) {
                    maxSq = sq;
                    maxIndex = i;
                    maxId = r.id();
                }
            }
            if (r.problem() != null && (badIndex < 0 || i < badIndex)) {
                badIndex = i;
                badId = r.id();
                badProblem = r.problem();
            }
            if (checkNullIds && r.id() == null && (nullIdIndex < 0 || i < nullIdIndex)) {
                nullIdIndex = i;
            }
            if (r.x() != null) {
                LengthSeen s = lengths.get(r.x().length);
                if (s == null || i < s.index()) {
                    lengths.put(r.x().length, new LengthSeen(r.x().length, i, r.id()));
                }
            }
        }
        List<LengthSeen> first = new ArrayList<>(lengths.values());
        first.sort((a, b) -> Long.compare(a.index(), b.index()));
        return new Summary(count, List.copyOf(first.subList(0, Math.min(2, first.size()))), badIndex, badId, badProblem,
                nullIdIndex, maxSq, maxIndex, maxId);
    }

    /**
     * Combines partition summaries. The reported problem is the one at the smallest row index; the
     * reference length is the first row's.
     *
     * @param idCol the id column's name, or null when rows are named by index
     * @param input how to name the input in messages, e.g. "input 'data.parquet'"
     */
    public static Result combine(List<Summary> parts, String idCol, String input) {
        long n = 0;
        LengthSeen ref = null;
        long badIndex = -1;
        String badMsg = null;
        long nullIdIndex = -1;
        Summary max = null;
        for (Summary s : parts) {
            n += s.count();
            if (s.maxIndex() >= 0 && (max == null || s.maxSq() > max.maxSq() || s.maxSq() == max.maxSq() && s.maxIndex() < max.maxIndex())) {
                max = s;
            }
            if (s.badIndex() >= 0 && (badIndex < 0 || s.badIndex() < badIndex)) {
                badIndex = s.badIndex();
                badMsg = rowName(s.badId(), s.badIndex(), idCol) + ": " + s.badProblem();
            }
            if (s.nullIdIndex() >= 0 && (nullIdIndex < 0 || s.nullIdIndex() < nullIdIndex)) {
                nullIdIndex = s.nullIdIndex();
            }
            if (!s.lengths().isEmpty() && (ref == null || s.lengths().get(0).index() < ref.index())) {
                ref = s.lengths().get(0);
            }
        }
        if (n == 0) {
            return new Result(0, 0, input + " has no rows");
        }
        LengthSeen mismatch = null;
        if (ref != null) {
            for (Summary s : parts) {
                for (LengthSeen l : s.lengths()) {
                    if (l.length() != ref.length() && (mismatch == null || l.index() < mismatch.index())) {
                        mismatch = l;
                    }
                }
            }
        }
        long best = Long.MAX_VALUE;
        String msg = null;
        if (nullIdIndex >= 0) {
            best = nullIdIndex;
            msg = "input row " + nullIdIndex + ": id column '" + idCol + "' is null; ids must be non-null and unique";
        }
        if (badIndex >= 0 && badIndex < best) {
            best = badIndex;
            msg = badMsg;
        }
        if (mismatch != null && mismatch.index() < best) {
            msg = rowName(mismatch.id(), mismatch.index(), idCol) + ": features have length " + mismatch.length() + " but "
                    + rowName(ref.id(), ref.index(), idCol) + " (the first row) has length " + ref.length()
                    + "; all feature vectors must have the same length";
        }
        return new Result(n, ref == null ? 0 : ref.length(), msg, max == null ? 0.0 : max.maxSq(),
                max == null ? null : rowName(max.maxId(), max.maxIndex(), idCol));
    }

    /** "row id 'abc'" / "row id 17" with an id column, else "row 17" (0-based input order). */
    public static String rowName(Object id, long index, String idCol) {
        if (idCol == null) {
            return "row " + index;
        }
        return "row id " + (id instanceof String ? "'" + id + "'" : String.valueOf(id));
    }
}
