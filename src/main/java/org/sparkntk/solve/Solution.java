package org.sparkntk.solve;

/** The dual coefficients X (row-major N x k) of (K + lambda I) X = Y and how the solve went. */
public record Solution(double[] x, int n, int k, SolveResult result) {
}
