package org.sparkntk.regress;

import java.util.Locale;
import org.sparkntk.spec.UserError;
import org.sparkntk.solve.CholeskySolver;

/** {@code --solver auto|cholesky|pcg} and the reason behind an automatic choice. */
public record SolverChoice(Kind kind, String reason) {

    /** The solvers. */
    public enum Kind {
        AUTO, CHOLESKY, PCG;

        public static Kind parse(String s) {
            return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "cholesky" -> CHOLESKY;
                case "pcg" -> PCG;
                default -> throw new UserError("'solver' is '" + s + "' but must be auto, cholesky or pcg");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Seconds of a dense solve and of PCG, from measured rates (docs/benchmarks.md,
     * "Regression"): the dense solve costs assembling 8 N^2 bytes on the driver plus N^3 / 3 flops of
     * Cholesky at {@code choleskyFlops} per second; PCG costs its preconditioner (rank R = min(N,
     * 4000): about 4 N R^2 flops at 30 GFLOP/s) plus about 25 + 7 N / 10^4 iterations of one pass
     * over the cached K each (1.5 ns per stored value with 10 outputs, linear in the outputs).
     */
    record Cost(double dense, double pcg) {
        static Cost estimate(long n, int k, double choleskyFlops) {
            double nn = (double) n * n;
            double dense = 8 * nn / 1.0e9 + nn * n / 3 / choleskyFlops;
            double r = Math.min(n, MemoryPlan.MAX_AUTO_RANK);
            double iterations = 25 + 7.0 * n / 1e4;
            double pass = 1.5e-9 * nn / 2 * Math.max(1, k) / 10.0 + 0.05;
            double pcg = 4 * n * r * r / 30e9 + iterations * pass;
            return new Cost(dense, pcg);
        }
    }

    /**
     * Resolves {@code auto}: cholesky when the dense solve (8 N^2 bytes plus vectors) fits
     * {@code maxDriverBytes} and N &lt;= 46340, and its estimated time ({@link Cost}) is below
     * PCG's; else pcg.
     *
     * @param choleskyFlops the dense factorization's rate on this driver (native LAPACK or the Java blocked one)
     */
    public static SolverChoice resolve(Kind asked, long n, int k, long maxDriverBytes, double choleskyFlops) {
        long need = CholeskySolver.bytesNeeded(n, k);
        String needText = String.format(Locale.ROOT, "%.2f GB", need / 1e9);
        if (asked == Kind.CHOLESKY) {
            return new SolverChoice(Kind.CHOLESKY, "asked (--solver cholesky); needs " + needText + " on the driver");
        }
        if (asked == Kind.PCG) {
            return new SolverChoice(Kind.PCG, "asked (--solver pcg)");
        }
        String budgetText = String.format(Locale.ROOT, "%.2f GB", maxDriverBytes / 1e9);
        if (n * n > Integer.MAX_VALUE - 8 || need > maxDriverBytes) {
            return new SolverChoice(Kind.PCG, "auto: dense K (N = " + n + ") would need " + needText + ", above the driver's"
                    + " limit for a dense solve (" + budgetText + ", --max-driver-memory); distributed PCG keeps K on the executors");
        }
        Cost c = Cost.estimate(n, k, choleskyFlops);
        String est = String.format(Locale.ROOT, "estimated %.0f s dense (Cholesky at %.0f GFLOP/s) against %.0f s PCG",
                c.dense(), choleskyFlops / 1e9, c.pcg());
        if (c.dense() <= c.pcg()) {
            return new SolverChoice(Kind.CHOLESKY, "auto: dense K (N = " + n + ") needs " + needText + ", within the driver's "
                    + budgetText + "; " + est);
        }
        return new SolverChoice(Kind.PCG, "auto: dense K would fit (" + needText + ") but is slower: " + est);
    }

    /** As {@link #resolve(Kind, long, int, long, double)} at the rate of this JVM's dense Cholesky. */
    public static SolverChoice resolve(Kind asked, long n, int k, long maxDriverBytes) {
        return resolve(asked, n, k, maxDriverBytes, CholeskySolver.expectedFlops());
    }
}
