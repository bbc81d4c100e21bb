package org.sparkntk.regress;

import java.util.Locale;
import org.sparkntk.spec.UserError;
import org.sparkntk.solve.CholeskySolver;

/** {@code --solver auto|cholesky|pcg|nystrom} and the reason behind an automatic choice. */
public record SolverChoice(Kind kind, String reason) {

    /** The solvers. */
    public enum Kind {
        AUTO, CHOLESKY, PCG,
        /** Nystrom kernel ridge regression with FALKON's preconditioner (regress only; never chosen by auto). */
        NYSTROM;

        public static Kind parse(String s) {
            return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "cholesky" -> CHOLESKY;
                case "pcg" -> PCG;
                case "nystrom" -> NYSTROM;
                default -> throw new UserError("'solver' is '" + s + "' but must be auto, cholesky, pcg or nystrom");
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
        if (asked == Kind.NYSTROM) {
            return new SolverChoice(Kind.NYSTROM, "asked (--solver nystrom)");
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

    /**
     * As {@link #resolve(Kind, long, int, long, double)} at the measured rate of this JVM's dense
     * Cholesky at this N ({@link CholeskySolver#method(long)}, timed once per JVM), which is measured only when
     * it can change the answer: not for an explicit solver, a K that does not fit, or a small N
     * where the dense solve wins even at the floor of the rates ({@link org.sparkntk.solve.DenseMethod#floorFlops()}).
     */
    public static SolverChoice resolve(Kind asked, long n, int k, long maxDriverBytes) {
        CholeskySolver.wanted(); // a bad -Dntk.cholesky is refused here, before any work
        if (asked != Kind.AUTO || n * n > Integer.MAX_VALUE - 8 || CholeskySolver.bytesNeeded(n, k) > maxDriverBytes) {
            return resolve(asked, n, k, maxDriverBytes, Double.NaN);
        }
        double floor = org.sparkntk.solve.DenseMethod.floorFlops();
        Cost slow = Cost.estimate(n, k, floor);
        if (slow.dense() <= slow.pcg()) {
            return new SolverChoice(Kind.CHOLESKY, String.format(Locale.ROOT, "auto: dense K (N = %d) needs %.2f GB, within the"
                    + " driver's %.2f GB; estimated %.0f s dense even at %.0f GFLOP/s against %.0f s PCG", n,
                    CholeskySolver.bytesNeeded(n, k) / 1e9, maxDriverBytes / 1e9, slow.dense(), floor / 1e9, slow.pcg()));
        }
        org.sparkntk.solve.DenseMethod m = CholeskySolver.method(n);
        SolverChoice c = resolve(asked, n, k, maxDriverBytes, m.flops());
        return new SolverChoice(c.kind(), c.reason() + "; dense method " + m.describe());
    }
}
