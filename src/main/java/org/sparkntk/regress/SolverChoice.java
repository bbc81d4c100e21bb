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

    /** Share of the driver heap a dense solve may take under {@code auto}. */
    public static final double AUTO_HEAP_SHARE = 0.4;

    /**
     * Resolves {@code auto}: cholesky when the dense solve (8 N^2 bytes plus vectors) takes at most
     * {@link #AUTO_HEAP_SHARE} of the driver heap and N &lt;= 46340, else pcg.
     */
    public static SolverChoice resolve(Kind asked, long n, int k, long maxHeap) {
        long need = CholeskySolver.bytesNeeded(n, k);
        String needText = String.format(Locale.ROOT, "%.2f GB", need / 1e9);
        if (asked == Kind.CHOLESKY) {
            return new SolverChoice(Kind.CHOLESKY, "asked (--solver cholesky); needs " + needText + " on the driver");
        }
        if (asked == Kind.PCG) {
            return new SolverChoice(Kind.PCG, "asked (--solver pcg)");
        }
        long budget = (long) (AUTO_HEAP_SHARE * maxHeap);
        String budgetText = String.format(Locale.ROOT, "%.2f GB", budget / 1e9);
        if (n * n <= Integer.MAX_VALUE - 8 && need <= budget) {
            return new SolverChoice(Kind.CHOLESKY, "auto: dense K (N = " + n + ") needs " + needText + ", within "
                    + (int) (AUTO_HEAP_SHARE * 100) + "% of the driver heap (" + budgetText + "); a direct solve is exact and"
                    + " costs N^3/3 flops once");
        }
        return new SolverChoice(Kind.PCG, "auto: dense K (N = " + n + ") would need " + needText + ", above "
                + (int) (AUTO_HEAP_SHARE * 100) + "% of the driver heap (" + budgetText + "); distributed PCG keeps K on the executors");
    }
}
