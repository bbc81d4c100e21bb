package org.sparkntk.solve;

import java.util.Arrays;

/**
 * How a solve of (K + lambda I) X = Y ended, per output column: converged or not, the final
 * relative residual ||y - (K + lambda I) x|| / ||y||, the iterations run (0 for a direct solve)
 * and the diagonal jitter added on top of the ridge (0 when none was needed).
 */
public record SolveResult(String solver, boolean[] converged, int iterations, double[] relativeResidual,
                          double jitter) {

    /** True when every output converged. */
    public boolean allConverged() {
        for (boolean c : converged) {
            if (!c) {
                return false;
            }
        }
        return true;
    }

    /** Largest relative residual over the outputs. */
    public double maxResidual() {
        double m = 0;
        for (double r : relativeResidual) {
            m = Math.max(m, r);
        }
        return m;
    }

    @Override
    public String toString() {
        return solver + ": converged=" + Arrays.toString(converged) + " iterations=" + iterations
                + " residual=" + Arrays.toString(relativeResidual) + " jitter=" + jitter;
    }
}
