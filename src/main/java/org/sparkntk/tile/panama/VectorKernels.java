package org.sparkntk.tile.panama;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API layer updates of the recursion, one small method per activation family (large
 * methods can fail C1 and never reach C2). Each evaluates the closed form of its
 * {@code org.sparkntk.kernel} counterpart with the same operations in the same order (no FMA),
 * so only the transcendental functions differ from the scalar reference, by an ulp or so.
 *
 * <p>Arrays: Sigma and Theta are read from {@code sIn[si + j]}, {@code tIn[ti + j]} and written to
 * {@code sOut[so + j]}, {@code tOut[to + j]} for j in [0, padded) (the same array and offset
 * updates in place; a requested depth is written straight into the caller's output so no copy
 * pass follows); Theta arrays are null for NNGP only. Column inputs are
 * {@code col[a*stride + j0 + j]} for input a. s' = sw2 E[phi phi] + b2, t' = t sw2 E[phi' phi'] + s'.
 */
final class VectorKernels {

    static final VectorSpecies<Double> SP = DoubleVector.SPECIES_PREFERRED;
    static final int LANES = SP.length();
    static final int BITS = SP.vectorBitSize();

    private static final double HALF_PI = 0.5 * Math.PI;
    private static final double TWO_PI = 2 * Math.PI;

    private VectorKernels() {
    }

    /** True when any of the LANES values a[from ..] equals v (a is padded to whole vectors). */
    static boolean anyEqual(double[] a, int from, double v) {
        return DoubleVector.fromArray(SP, a, from).eq(v).anyTrue();
    }

    static int roundUp(int len) {
        return (len + LANES - 1) / LANES * LANES;
    }

    /**
     * asin(a) = a + a z P(z), z = a^2, for 0 <= a <= 1/sqrt(2): P of degree 17 interpolating
     * (asin(sqrt z) - sqrt z) / z^1.5 at Chebyshev nodes of [0, 1/2] (fitted in 60-digit
     * arithmetic for this project); max error 1.3e-16 relative with FMA Horner (checked on 3000
     * points in 60 digits), i.e. below one ulp.
     */
    private static final double P0 = 0.1666666666666666;
    private static final double P1 = 0.07500000000008983;
    private static final double P2 = 0.04464285712358516;
    private static final double P3 = 0.030381946078023858;
    private static final double P4 = 0.022372086303686842;
    private static final double P5 = 0.017354730668996843;
    private static final double P6 = 0.013929824301362788;
    private static final double P7 = 0.011985559032731258;
    private static final double P8 = 0.0058919623838489124;
    private static final double P9 = 0.033823977477227554;
    private static final double P10 = -0.1174784139555458;
    private static final double P11 = 0.46581061083892006;
    private static final double P12 = -1.258681300394588;
    private static final double P13 = 2.573508064401593;
    private static final double P14 = -3.7415993002001366;
    private static final double P15 = 3.7316474816315224;
    private static final double P16 = -2.277990489441633;
    private static final double P17 = 0.6629475548369097;

    /**
     * theta = atan2(sr, rho) in [0, pi] for sr = sqrt((1-rho)(1+rho)) >= 0, without a division
     * or a library call: with a = min(|rho|, sr) <= 1/sqrt(2), theta = pi/2 -+ asin(a) where
     * |rho| <= sr, else asin(a) (rho > 0) or pi - asin(a) (rho < 0). asin runs only on
     * [0, 1/sqrt(2)] where it is well conditioned, so near theta = 0 and pi the angle comes from sr
     * like the reference's atan2 (ntk-math.md, "Closed forms"). rho = 0, sr = 1 gives pi/2 exactly.
     */
    static DoubleVector angle(DoubleVector rho, DoubleVector sr) {
        DoubleVector ar = rho.abs();
        VectorMask<Double> wide = ar.compare(VectorOperators.LE, sr);
        DoubleVector a = sr.blend(ar, wide); // min(|rho|, sr); blend is 1 instruction, min (Java NaN/-0 rules) several
        DoubleVector z = a.mul(a);
        DoubleVector p = asinPoly(z);
        DoubleVector as = a.fma(z.mul(p), a);
        VectorMask<Double> neg = rho.lt(0.0);
        // theta = base -+ as: base pi/2 (wide), pi (rho < 0) or 0; minus where wide != (rho < 0)
        DoubleVector base = DoubleVector.zero(SP).blend(Math.PI, neg).blend(HALF_PI, wide);
        return base.add(as.neg().blend(as, wide.eq(neg)));
    }

    /**
     * P(z) of {@link #angle} as E(z^2) + z O(z^2), two interleaved Horner chains with FMA: half
     * Horner's dependency depth for one extra multiply (its own method: under C2's FreqInlineSize).
     */
    private static DoubleVector asinPoly(DoubleVector z) {
        DoubleVector w = z.mul(z);
        DoubleVector e = DoubleVector.broadcast(SP, P16);
        e = e.fma(w, DoubleVector.broadcast(SP, P14));
        e = e.fma(w, DoubleVector.broadcast(SP, P12));
        e = e.fma(w, DoubleVector.broadcast(SP, P10));
        e = e.fma(w, DoubleVector.broadcast(SP, P8));
        e = e.fma(w, DoubleVector.broadcast(SP, P6));
        e = e.fma(w, DoubleVector.broadcast(SP, P4));
        e = e.fma(w, DoubleVector.broadcast(SP, P2));
        e = e.fma(w, DoubleVector.broadcast(SP, P0));
        DoubleVector o = DoubleVector.broadcast(SP, P17);
        o = o.fma(w, DoubleVector.broadcast(SP, P15));
        o = o.fma(w, DoubleVector.broadcast(SP, P13));
        o = o.fma(w, DoubleVector.broadcast(SP, P11));
        o = o.fma(w, DoubleVector.broadcast(SP, P9));
        o = o.fma(w, DoubleVector.broadcast(SP, P7));
        o = o.fma(w, DoubleVector.broadcast(SP, P5));
        o = o.fma(w, DoubleVector.broadcast(SP, P3));
        o = o.fma(w, DoubleVector.broadcast(SP, P1));
        return o.fma(z, e);
    }

    /**
     * rho = clamp(c / n), 0 where n == 0 (AbRelu.meanPhiPhi/meanDphiDphi, Erf, Gelu): bit for bit
     * the reference's rho, so only the transcendental parts differ.
     */
    private static DoubleVector rho(DoubleVector c, DoubleVector n, VectorMask<Double> zero) {
        DoubleVector r = c.div(n);
        // clamp as compare + blend (max/min carry Java's NaN and -0 rules: several instructions
        // each); NaN (n == 0) passes through and is replaced by 0 with the other lanes of n == 0
        r = r.blend(1.0, r.compare(VectorOperators.GT, 1.0));
        return r.blend(-1.0, r.compare(VectorOperators.LT, -1.0)).blend(0.0, zero);
    }

    /** AbRelu (ntk-math.md, "Leaky / asymmetric ReLU"), NNGP only. */
    static void abReluNngp(double[] sIn, int si, double[] sOut, int so, int padded, double[] col, int j0, double sq1,
                           double half, double f, double sw2, double b2) {
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector c = DoubleVector.fromArray(SP, sIn, si + j);
            DoubleVector n = DoubleVector.fromArray(SP, col, j0 + j).mul(sq1);
            VectorMask<Double> zero = n.eq(0.0);
            DoubleVector rho = rho(c, n, zero);
            DoubleVector sr = rho.neg().add(1.0).mul(rho.add(1.0)).sqrt();
            DoubleVector theta = angle(rho, sr);
            DoubleVector dd = theta.mul(-f).add(half);
            sr.mul(f).add(dd.mul(rho)).mul(n).mul(sw2).add(b2).intoArray(sOut, so + j);
        }
    }

    /** AbRelu, NNGP and NTK. */
    static void abReluBoth(double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so, double[] tOut, int to, int padded, double[] col, int j0, double sq1,
                           double half, double f, double sw2, double b2) {
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector c = DoubleVector.fromArray(SP, sIn, si + j);
            DoubleVector n = DoubleVector.fromArray(SP, col, j0 + j).mul(sq1);
            VectorMask<Double> zero = n.eq(0.0);
            DoubleVector rho = rho(c, n, zero);
            DoubleVector sr = rho.neg().add(1.0).mul(rho.add(1.0)).sqrt();
            DoubleVector theta = angle(rho, sr);
            DoubleVector dd = theta.mul(-f).add(half);
            DoubleVector sNew = sr.mul(f).add(dd.mul(rho)).mul(n).mul(sw2).add(b2);
            sNew.intoArray(sOut, so + j);
            DoubleVector.fromArray(SP, tIn, ti + j).fma(dd.mul(sw2), sNew).intoArray(tOut, to + j);
        }
    }

    /**
     * Erf (ntk-math.md, "Erf", in {@link org.sparkntk.kernel.Erf}'s bounded variables). Row
     * scalars r = {sqrt q, sqrt(q/(1+2q)), u, sqrt u, q u}, u = 1/(1+2q); columns the same.
     */
    static void erf(double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so, double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] r,
                    double sw2, double b2) {
        double sq1 = r[0];
        double sw1 = r[1];
        double u1 = r[2];
        double c1 = (4 / Math.PI) * r[3];
        double w14 = 4 * r[4];
        for (int j = 0; j < padded; j += LANES) {
            int o = j0 + j;
            DoubleVector c = DoubleVector.fromArray(SP, sIn, si + j);
            DoubleVector n = DoubleVector.fromArray(SP, col, o).mul(sq1);
            VectorMask<Double> zero = n.eq(0.0);
            DoubleVector rho = rho(c, n, zero);
            DoubleVector sw2v = DoubleVector.fromArray(SP, col, stride + o);
            DoubleVector pp = rho.mul(2.0).mul(sw1).mul(sw2v).max(-1.0).min(1.0).lanewise(VectorOperators.ASIN).mul(2 / Math.PI);
            DoubleVector sNew = pp.mul(sw2).add(b2);
            sNew.intoArray(sOut, so + j);
            if (tIn != null) {
                DoubleVector u2 = DoubleVector.fromArray(SP, col, 2 * stride + o);
                DoubleVector su2 = DoubleVector.fromArray(SP, col, 3 * stride + o);
                DoubleVector w2 = DoubleVector.fromArray(SP, col, 4 * stride + o);
                DoubleVector ratio = u2.add(u1).sub(u2.mul(u1))
                        .add(w2.mul(w14).mul(rho.neg().add(1.0).mul(rho.add(1.0))));
                DoubleVector dd = su2.mul(c1).div(ratio.sqrt());
                DoubleVector.fromArray(SP, tIn, ti + j).mul(dd.mul(sw2)).add(sNew).intoArray(tOut, to + j);
            }
        }
    }

    /**
     * GELU (ntk-math.md, "GELU", rearranged as in {@link org.sparkntk.kernel.Gelu}). Row scalars
     * r = {q, sqrt q, sqrt(1+q), q/(1+q), 1+q}; columns the same.
     */
    static void gelu(double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so, double[] tOut, int to, int padded, double[] col, int stride, int j0, double[] r,
                     double sw2, double b2) {
        double q1 = r[0];
        double sq1 = r[1];
        double s11 = r[2];
        double r1 = r[3];
        double p11 = r[4];
        for (int j = 0; j < padded; j += LANES) {
            int o = j0 + j;
            DoubleVector cIn = DoubleVector.fromArray(SP, sIn, si + j);
            DoubleVector q2 = DoubleVector.fromArray(SP, col, o);
            DoubleVector n = DoubleVector.fromArray(SP, col, stride + o).mul(sq1);
            VectorMask<Double> zero = n.eq(0.0);
            DoubleVector rho = rho(cIn, n, zero);
            DoubleVector c = n.mul(rho);
            DoubleVector k = q2.max(q1).max(1.0);
            DoubleVector nk = n.div(k);
            DoubleVector d = q2.add(p11).div(k).div(k)
                    .add(nk.mul(nk).mul(rho.neg().add(1.0).mul(rho.add(1.0)))).sqrt().mul(k);
            DoubleVector g = c.lanewise(VectorOperators.ATAN2, d);
            DoubleVector cs = c.div(DoubleVector.fromArray(SP, col, 2 * stride + o).mul(s11));
            DoubleVector pOverP1 = DoubleVector.fromArray(SP, col, 3 * stride + o).mul(r1);
            DoubleVector pp = c.mul(0.25).add(cs.mul(cs).div(d).add(pOverP1.mul(d)).add(c.mul(g)).div(TWO_PI));
            DoubleVector sNew = pp.mul(sw2).add(b2);
            sNew.intoArray(sOut, so + j);
            if (tIn != null) {
                DoubleVector invP1 = DoubleVector.broadcast(SP, 1.0).div(DoubleVector.fromArray(SP, col, 4 * stride + o).mul(p11));
                DoubleVector inner = DoubleVector.broadcast(SP, 1.0).div(d.mul(d)).add(invP1).sub(pOverP1).add(1.0);
                DoubleVector dd = g.div(TWO_PI).add(0.25).add(c.div(d).div(TWO_PI).mul(inner));
                DoubleVector.fromArray(SP, tIn, ti + j).mul(dd.mul(sw2)).add(sNew).intoArray(tOut, to + j);
            }
        }
    }

    /**
     * sin / cos (ntk-math.md, "Sine"; {@link org.sparkntk.kernel.Trig}): e^{-m} sinh(c) and
     * e^{-m} cosh(c) with m = (q1+q2)/2, or (e^{c-m} -+ e^{-c-m})/2 where m >= 700 (computed only
     * when some lane needs it).
     */
    static void trig(boolean sine, double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so, double[] tOut, int to, int padded, double[] col, int j0, double q1,
                     double sw2, double b2) {
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector c = DoubleVector.fromArray(SP, sIn, si + j);
            DoubleVector m = DoubleVector.fromArray(SP, col, j0 + j).add(q1).mul(0.5);
            VectorMask<Double> small = m.lt(700.0);
            DoubleVector em = m.neg().lanewise(VectorOperators.EXP);
            DoubleVector sh = null;
            DoubleVector ch = null;
            boolean big = !small.allTrue();
            DoubleVector ep = big ? c.sub(m).lanewise(VectorOperators.EXP) : null;
            DoubleVector en = big ? c.neg().sub(m).lanewise(VectorOperators.EXP) : null;
            if (sine || tIn != null) {
                sh = em.mul(c.lanewise(VectorOperators.SINH));
                if (big) {
                    sh = ep.sub(en).mul(0.5).blend(sh, small);
                }
            }
            if (!sine || tIn != null) {
                ch = em.mul(c.lanewise(VectorOperators.COSH));
                if (big) {
                    ch = ep.add(en).mul(0.5).blend(ch, small);
                }
            }
            DoubleVector sNew = (sine ? sh : ch).mul(sw2).add(b2);
            sNew.intoArray(sOut, so + j);
            if (tIn != null) {
                DoubleVector dd = sine ? ch : sh;
                DoubleVector.fromArray(SP, tIn, ti + j).mul(dd.mul(sw2)).add(sNew).intoArray(tOut, to + j);
            }
        }
    }

    /** s[j] = scale g[base+j] + b2 (Sigma at depth 1) for j < len, 0 up to padded. */
    static void first(double[] g, int base, int len, int padded, double scale, double b2, double[] s) {
        int j = 0;
        for (; j + LANES <= len; j += LANES) {
            DoubleVector.fromArray(SP, g, base + j).mul(scale).add(b2).intoArray(s, j);
        }
        for (; j < len; j++) {
            s[j] = scale * g[base + j] + b2;
        }
        for (; j < padded; j++) {
            s[j] = 0.0;
        }
    }

    /** Identity: E[phi phi] = c, E[phi' phi'] = 1. */
    static void identity(double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so, double[] tOut, int to, int padded, double sw2, double b2) {
        double tf = sw2 * 1.0;
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector sNew = DoubleVector.fromArray(SP, sIn, si + j).mul(sw2).add(b2);
            sNew.intoArray(sOut, so + j);
            if (tIn != null) {
                DoubleVector.fromArray(SP, tIn, ti + j).mul(tf).add(sNew).intoArray(tOut, to + j);
            }
        }
    }
}
