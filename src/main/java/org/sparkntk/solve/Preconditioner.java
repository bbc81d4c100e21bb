package org.sparkntk.solve;

/** An approximation M of K + lambda I; PCG applies z = M^-1 r to N x k blocks. */
public interface Preconditioner {

    /** z = M^-1 r for a row-major N x k block; z is overwritten. */
    void solve(double[] r, int k, double[] z);

    /** For logs and metrics, e.g. "none" or "rpcholesky:200". */
    String describe();

    /** M = I. */
    Preconditioner NONE = new Preconditioner() {
        @Override
        public void solve(double[] r, int k, double[] z) {
            System.arraycopy(r, 0, z, 0, r.length);
        }

        @Override
        public String describe() {
            return "none";
        }
    };
}
