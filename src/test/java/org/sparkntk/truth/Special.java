package org.sparkntk.truth;

/**
 * erf, erfc and the normal cdf for tests (Java has none). Written for the tests: the positive
 * Kummer series erf(x) = (2/sqrt(pi)) e^{-x^2} sum_n (2x^2)^n x / (2n+1)!! for |x| <= 3 (no
 * cancellation, a few ulp), and the Laplace continued fraction
 * sqrt(pi) e^{x^2} erfc(x) = 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))) for x > 3.
 * Checked against reference values in SpecialTest.
 */
public final class Special {

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private Special() {
    }

    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax <= 3) {
            return Math.signum(x) * series(ax);
        }
        return Math.signum(x) * (1 - erfcLarge(ax));
    }

    public static double erfc(double x) {
        if (x > 3) {
            return erfcLarge(x);
        }
        return 1 - erf(x);
    }

    /** Standard normal cdf Phi(z) = erfc(-z / sqrt 2) / 2. */
    public static double normCdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    /** Standard normal density. */
    public static double normPdf(double z) {
        return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    }

    private static double series(double x) {
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 500; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (term < 1e-18 * sum) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }

    static double erfcLarge(double x) {
        double tail = x;
        for (int k = 60; k >= 1; k--) {
            tail = x + 0.5 * k / tail;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / tail;
    }
}
