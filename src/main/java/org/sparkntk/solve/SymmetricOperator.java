package org.sparkntk.solve;

/**
 * A symmetric positive semidefinite N x N matrix K known only through products: what the
 * solvers need, whether K lives in a driver array, in cached Spark tiles or is recomputed.
 *
 * <p>Blocks of vectors are row-major N x k arrays: row i holds the k outputs of sample i, so a
 * row block of samples is one contiguous slice (the layout the distributed operator ships).
 */
public interface SymmetricOperator {

    /** N. */
    int size();

    /** out = K x for an N x k block x (row-major); out is overwritten. */
    void apply(double[] x, int k, double[] out);

    /** The diagonal of K (length N). */
    double[] diagonal();

    /**
     * Columns cols of K as a row-major N x cols.length array (row i, column c is K[i, cols[c]]).
     * The default applies K to unit vectors; implementations override it when a cheaper way exists.
     */
    default double[] columns(int[] cols) {
        int n = size();
        int r = cols.length;
        double[] e = new double[n * r];
        for (int c = 0; c < r; c++) {
            e[cols[c] * r + c] = 1.0;
        }
        double[] out = new double[n * r];
        apply(e, r, out);
        return out;
    }

    /** trace(K). */
    default double trace() {
        double t = 0;
        for (double v : diagonal()) {
            t += v;
        }
        return t;
    }
}
