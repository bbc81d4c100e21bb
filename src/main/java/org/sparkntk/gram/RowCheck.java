package org.sparkntk.gram;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;

/**
 * Input validation without Spark: each partition of the indexed rows is summarised in one pass
 * ({@link #summarize}), and the summaries, in partition (= row index) order, give the first
 * problem in input order or N and d ({@link #combine}).
 */
public final class RowCheck {

    private RowCheck() {
    }

    /** What one partition saw (rows in increasing index order). */
    public record Summary(long count, long firstIndex, Object firstId, int firstLen, long mismatchIndex, Object mismatchId,
                          int mismatchLen, long badIndex, Object badId, String badProblem, long nullIdIndex)
            implements Serializable {
    }

    /** N, d, or the message of the first bad row. */
    public record Result(long n, int d, String error) {
    }

    /** Problems of a feature vector: null, a null element, NaN or infinite; null when fine. */
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

    /** One pass over a partition's rows. */
    public static Summary summarize(Iterator<InputRow> rows, boolean checkNullIds) {
        long count = 0;
        long firstIndex = -1;
        Object firstId = null;
        int firstLen = -1;
        long mismatchIndex = -1;
        Object mismatchId = null;
        int mismatchLen = -1;
        long badIndex = -1;
        Object badId = null;
        String badProblem = null;
        long nullIdIndex = -1;
        while (rows.hasNext()) {
            InputRow r = rows.next();
            count++;
            if (r.problem() != null && badIndex < 0) {
                badIndex = r.index();
                badId = r.id();
                badProblem = r.problem();
            }
            if (checkNullIds && r.id() == null && nullIdIndex < 0) {
                nullIdIndex = r.index();
            }
            if (r.x() != null) {
                if (firstLen < 0) {
                    firstLen = r.x().length;
                    firstIndex = r.index();
                    firstId = r.id();
                } else if (r.x().length != firstLen && mismatchIndex < 0) {
                    mismatchIndex = r.index();
                    mismatchId = r.id();
                    mismatchLen = r.x().length;
                }
            }
        }
        return new Summary(count, firstIndex, firstId, firstLen, mismatchIndex, mismatchId, mismatchLen, badIndex, badId,
                badProblem, nullIdIndex);
    }

    /**
     * Combines partition summaries (in partition order). The reported problem is the one at the
     * smallest row index.
     *
     * @param idCol the id column's name, or null when rows are named by index
     * @param input how to name the input in messages, e.g. "input 'data.parquet'"
     */
    public static Result combine(List<Summary> parts, String idCol, String input) {
        long n = 0;
        int refLen = -1;
        Object refId = null;
        long refIndex = -1;
        long misIndex = -1;
        String misMsg = null;
        long badIndex = -1;
        String badMsg = null;
        long nullIdIndex = -1;
        for (Summary s : parts) {
            n += s.count();
            if (s.badIndex() >= 0 && badIndex < 0) {
                badIndex = s.badIndex();
                badMsg = rowName(s.badId(), s.badIndex(), idCol) + ": " + s.badProblem();
            }
            if (s.nullIdIndex() >= 0 && nullIdIndex < 0) {
                nullIdIndex = s.nullIdIndex();
            }
            if (s.firstLen() < 0) {
                continue;
            }
            if (refLen < 0) {
                refLen = s.firstLen();
                refId = s.firstId();
                refIndex = s.firstIndex();
                if (s.mismatchIndex() >= 0) {
                    misIndex = s.mismatchIndex();
                    misMsg = lengthMessage(s.mismatchId(), s.mismatchIndex(), s.mismatchLen(), refId, refIndex, refLen, idCol);
                }
            } else if (misIndex < 0) {
                if (s.firstLen() != refLen) {
                    misIndex = s.firstIndex();
                    misMsg = lengthMessage(s.firstId(), s.firstIndex(), s.firstLen(), refId, refIndex, refLen, idCol);
                } else if (s.mismatchIndex() >= 0) {
                    misIndex = s.mismatchIndex();
                    misMsg = lengthMessage(s.mismatchId(), s.mismatchIndex(), s.mismatchLen(), refId, refIndex, refLen, idCol);
                }
            }
        }
        if (n == 0) {
            return new Result(0, 0, input + " has no rows");
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
        if (misIndex >= 0 && misIndex < best) {
            msg = misMsg;
        }
        return new Result(n, Math.max(refLen, 0), msg);
    }

    private static String lengthMessage(Object id, long index, int len, Object refId, long refIndex, int refLen, String idCol) {
        return rowName(id, index, idCol) + ": features have length " + len + " but " + rowName(refId, refIndex, idCol)
                + " (the first row) has length " + refLen + "; all feature vectors must have the same length";
    }

    /** "row id 'abc'" / "row id 17" with an id column, else "row 17" (0-based input order). */
    public static String rowName(Object id, long index, String idCol) {
        if (idCol == null) {
            return "row " + index;
        }
        return "row id " + (id instanceof String ? "'" + id + "'" : String.valueOf(id));
    }
}
