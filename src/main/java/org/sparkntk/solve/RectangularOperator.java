package org.sparkntk.solve;

/**
 * An N x M matrix K_nM known only through products (the kernel between N training rows and M
 * Nystrom centres): what {@link NystromSolver} needs, whether K_nM lives in a driver array, in
 * cached Spark tiles or is recomputed per pass. Blocks of vectors are row-major (row i holds the
 * k outputs of row i), as in {@link SymmetricOperator}.
 */
public interface RectangularOperator {

    /** N. */
    int rows();

    /** M. */
    int cols();

    /** out (N x k) = K_nM v for an M x k block v; out is overwritten. */
    void apply(double[] v, int k, double[] out);

    /** out (M x k) = K_nM^T u for an N x k block u; out is overwritten. */
    void applyTranspose(double[] u, int k, double[] out);

    /**
     * out (M x k) = K_nM^T K_nM v: the product every CG iteration needs. The default makes two
     * calls; a distributed operator overrides it with one pass that does both skinny products per
     * row block, so K_nM v (N x k) never leaves the executors.
     */
    default void normal(double[] v, int k, double[] out) {
        double[] w = new double[rows() * k];
        apply(v, k, w);
        applyTranspose(w, k, out);
    }
}
