package org.sparkntk.kernel;

/**
 * phi(z) = z Phi(z) (ntk-math.md, "GELU"), with P = q1 q2, P1 = (1+q1)(1+q2),
 * d = sqrt(P1 - c^2), g = atan2(c, d):
 * E[phi phi] = c/4 + ((c^2 + P d^2)/(P1 d) + c g)/(2 pi),
 * E[phi'phi'] = 1/4 + g/(2 pi) + (c/(2 pi d)) (1/d^2 + (1-P)/P1 + 1).
 *
 * <p>Rearranged so no intermediate overflows for q up to 1e300: d is computed as
 * k sqrt((1+q1+q2)/k^2 + (n/k)^2 (1-rho)(1+rho)) with k = max(1, q1, q2), and
 * (c^2 + P d^2)/(P1 d) = (c/sqrt(P1))^2/d + (P/P1) d with P/P1 = q1/(1+q1) * q2/(1+q2).
 */
public record Gelu() implements Activation {

    @Override
    public String name() {
        return "gelu";
    }

    @Override
    public double meanPhiPhi(double q1, double q2, double c) {
        double n = Math.sqrt(q1) * Math.sqrt(q2);
        double rho = n == 0 ? 0.0 : AbRelu.clamp(c / n);
        c = n * rho;
        double d = d(q1, q2, n, rho);
        double g = Math.atan2(c, d);
        double cs = c / (Math.sqrt(1 + q1) * Math.sqrt(1 + q2));
        double pOverP1 = (q1 / (1 + q1)) * (q2 / (1 + q2));
        return 0.25 * c + (cs * cs / d + pOverP1 * d + c * g) / (2 * Math.PI);
    }

    @Override
    public double meanDphiDphi(double q1, double q2, double c) {
        double n = Math.sqrt(q1) * Math.sqrt(q2);
        double rho = n == 0 ? 0.0 : AbRelu.clamp(c / n);
        c = n * rho;
        double d = d(q1, q2, n, rho);
        double g = Math.atan2(c, d);
        double invP1 = 1 / ((1 + q1) * (1 + q2));
        double pOverP1 = (q1 / (1 + q1)) * (q2 / (1 + q2));
        return 0.25 + g / (2 * Math.PI) + (c / d) / (2 * Math.PI) * (1 / (d * d) + invP1 - pOverP1 + 1);
    }

    @Override
    public double meanPhiSq(double q) {
        return meanPhiPhi(q, q, q);
    }

    @Override
    public double meanDphiSq(double q) {
        return meanDphiDphi(q, q, q);
    }

    /** sqrt(P1 - c^2) = sqrt(1 + q1 + q2 + n^2 (1-rho)(1+rho)), scaled by k = max(1, q1, q2). */
    private static double d(double q1, double q2, double n, double rho) {
        double k = Math.max(1.0, Math.max(q1, q2));
        double nk = n / k;
        return k * Math.sqrt((1 + q1 + q2) / k / k + nk * nk * ((1 - rho) * (1 + rho)));
    }
}
