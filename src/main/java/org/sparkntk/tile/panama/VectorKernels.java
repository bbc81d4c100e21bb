package org.sparkntk.tile.panama;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API layer updates of the recursion, one small method per activation family (large
 * methods can fail C1 and never reach C2). Each evaluates the closed form of its
 * {@code org.sparkntk.kernel} counterpart. The correlation rho is computed bit for bit as the
 * reference does (the angle is ill-conditioned in rho near 0 and pi: an ulp of rho there is
 * ~1e-8 of theta), and so is the rest of Sigma's update, without FMA: an antiparallel pair under
 * an even activation (abs) must map to exactly the diagonal value, so the next layer sees
 * rho = 1 and the identical-rows rule, as the reference does (one ulp off turns into 1e-8).
 * Only the transcendental functions differ from the reference's, by an ulp or two.
 *
 * <p>Arrays: Sigma and Theta are read from {@code sIn[si + j]}, {@code tIn[ti + j]} and written to
 * {@code sOut[so + j]}, {@code tOut[to + j]} for j in [0, padded) (the same array and offset
 * updates in place; a requested depth is written straight into the caller's output so no copy
 * pass follows; tIn may be sOut: Theta is loaded before Sigma is stored); Theta arrays are null
 * for NNGP only. Column inputs are
 * {@code col[a*stride + j0 + j]} for input a. s' = sw2 E[phi phi] + b2, t' = t sw2 E[phi' phi'] + s'.
 */
final class VectorKernels {

    static final VectorSpecies<Double> SP = Species.PREFERRED;
    static final int LANES = SP.length();
    static final int BITS = SP.vectorBitSize();

    private static final double TWO_PI = 2 * Math.PI;

    private VectorKernels() {
    }

    /** True when any of a[from .. from+len) equals v (len a multiple of LANES): one test per range, not per vector. */
    static boolean anyEqual(double[] a, int from, int len, double v) {
        VectorMask<Double> hit = SP.maskAll(false);
        for (int j = 0; j < len; j += LANES) {
            hit = hit.or(DoubleVector.fromArray(SP, a, from + j).eq(v));
        }
        return hit.anyTrue();
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
    private static final double Q0 = Math.scalb(P0, -2);
    private static final double Q1 = Math.scalb(P1, -4);
    private static final double Q2 = Math.scalb(P2, -6);
    private static final double Q3 = Math.scalb(P3, -8);
    private static final double Q4 = Math.scalb(P4, -10);
    private static final double Q5 = Math.scalb(P5, -12);
    private static final double Q6 = Math.scalb(P6, -14);
    private static final double Q7 = Math.scalb(P7, -16);
    private static final double Q8 = Math.scalb(P8, -18);
    private static final double Q9 = Math.scalb(P9, -20);
    private static final double Q10 = Math.scalb(P10, -22);
    private static final double Q11 = Math.scalb(P11, -24);
    private static final double Q12 = Math.scalb(P12, -26);
    private static final double Q13 = Math.scalb(P13, -28);
    private static final double Q14 = Math.scalb(P14, -30);
    private static final double Q15 = Math.scalb(P15, -32);
    private static final double Q16 = Math.scalb(P16, -34);
    private static final double Q17 = Math.scalb(P17, -36);

    /** pi - Math.PI (the part of pi below Math.PI's last bit). */
    private static final double PI_LO = 1.2246467991473532e-16;
    private static final long SIGN_BIT = 0x8000000000000000L;
    private static final long MAGNITUDE = 0x7fffffffffffffffL;
    private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);
    private static final long INF_BITS = Double.doubleToRawLongBits(Double.POSITIVE_INFINITY);
    private static final long PI_BITS = Double.doubleToRawLongBits(Math.PI);
    private static final long PI_LO_BITS = Double.doubleToRawLongBits(PI_LO);

    /*
     * No masks in the hot loops: on JDK 17, C2 turns every compare-and-blend into compare, a
     * masked load of a constant, a second compare and the blend (the mask goes through a vector
     * and back), 4 instructions and 2 loads each. The clamps, the zero-variance lanes and the
     * angle's sign choice are done on the doubles' bits instead: non-negative doubles order as
     * their bit patterns, so |rho| clamps to 1 with one integer min, and a sign bit spread by an
     * arithmetic shift selects pi without a blend. ReLU kernel in L1: 2.72 -> 2.19 ns per element
     * with the same bits, and 1.92 with rho from hoisted reciprocals (AbRelu.rho) instead of a
     * division (docs/benchmarks.md, "Results after the third round").
     */

    /**
     * theta = acos(rho) in [0, pi] as the reference's atan2(sqrt((1-rho)(1+rho)), rho) (see
     * {@link #angle(DoubleVector, LongVector)}); the test entry point, rho within [-1, 1].
     */
    static DoubleVector angle(DoubleVector rho) {
        LongVector sign = rho.add(0.0).viewAsIntegralLanes().and(SIGN_BIT);
        return angle(rho.abs(), sign);
    }

    /**
     * theta from a = |rho| and the sign bit of rho ({@code sign}: SIGN_BIT where rho < 0, 0 where
     * rho >= 0, including -0.0). With z4 = 2 - 2a (exact for a >= 1/2), sin(theta'/2) = sqrt(z4)/2
     * for theta' = acos(a), so theta' = 2 asin(sqrt(z4)/2) and theta = theta' (rho >= 0) or
     * pi - theta' (rho < 0, pi carried to two words). The asin argument is at most 1/sqrt(2), where
     * the polynomial is accurate; near theta = 0 and pi the angle comes from 1 - a, exact, so it
     * keeps its relative accuracy like atan2 does. One square root, no division, no blend: pi - theta'
     * is (pi & m) + (theta' | sign) + (PI_LO & m) with m the sign spread to all 64 bits, which is
     * theta' itself where m = 0. Measured at most 2 ulps from atan2 (VectorAngleTest); rho = 0, 1, -1
     * give pi/2, 0, pi exactly.
     */
    static DoubleVector angle(DoubleVector a, LongVector sign) {
        DoubleVector z4 = a.fma(-2.0, 2.0);
        DoubleVector a2 = z4.sqrt();
        // 2 asin(a) = 2a + 2a z P(z), z = a^2 = z4/4: with the coefficients scaled by 4^-(k+1)
        // (exact), 2a z P(z) = a2 z4 P4(z4)
        DoubleVector t = a2.fma(z4.mul(asinPoly(z4)), a2);
        LongVector m = sign.lanewise(VectorOperators.ASHR, 63);
        return m.and(PI_BITS).viewAsFloatingLanes()
                .add(t.viewAsIntegralLanes().or(sign).viewAsFloatingLanes())
                .add(m.and(PI_LO_BITS).viewAsFloatingLanes());
    }

    /**
     * |r| clamped to 1 as bits, NaN kept: min(|r|, 1) on the bit patterns (integer order is the
     * order of non-negative doubles, and +inf clamps too), with a NaN's bits forced to all ones
     * (still a NaN) so a NaN input is not turned into 1 as the integer min alone would.
     */
    private static LongVector clampedMagnitude(LongVector bits) {
        LongVector mag = bits.and(MAGNITUDE);
        LongVector nan = mag.broadcast(INF_BITS).sub(mag).lanewise(VectorOperators.ASHR, 63);
        return mag.min(ONE_BITS).or(nan);
    }

    /**
     * P4(x) = P(x/4)/4 of {@link #angle} (coefficients P_k 4^-(k+1), exact power-of-two scalings)
     * as E(x^2) + x O(x^2), two interleaved Horner chains with FMA: half Horner's dependency depth
     * for one extra multiply (its own method: under C2's FreqInlineSize).
     */
    private static DoubleVector asinPoly(DoubleVector z) {
        DoubleVector w = z.mul(z);
        DoubleVector e = DoubleVector.broadcast(SP, Q16);
        e = e.fma(w, DoubleVector.broadcast(SP, Q14));
        e = e.fma(w, DoubleVector.broadcast(SP, Q12));
        e = e.fma(w, DoubleVector.broadcast(SP, Q10));
        e = e.fma(w, DoubleVector.broadcast(SP, Q8));
        e = e.fma(w, DoubleVector.broadcast(SP, Q6));
        e = e.fma(w, DoubleVector.broadcast(SP, Q4));
        e = e.fma(w, DoubleVector.broadcast(SP, Q2));
        e = e.fma(w, DoubleVector.broadcast(SP, Q0));
        DoubleVector o = DoubleVector.broadcast(SP, Q17);
        o = o.fma(w, DoubleVector.broadcast(SP, Q15));
        o = o.fma(w, DoubleVector.broadcast(SP, Q13));
        o = o.fma(w, DoubleVector.broadcast(SP, Q11));
        o = o.fma(w, DoubleVector.broadcast(SP, Q9));
        o = o.fma(w, DoubleVector.broadcast(SP, Q7));
        o = o.fma(w, DoubleVector.broadcast(SP, Q5));
        o = o.fma(w, DoubleVector.broadcast(SP, Q3));
        o = o.fma(w, DoubleVector.broadcast(SP, Q1));
        return o.fma(z, e);
    }

    /**
     * rho = clamp(c / n), 0 where n == 0 (Erf, Gelu): bit for bit the reference's rho, so only the
     * transcendental parts differ. n >= 0; lanes with n = +-0 have magnitude bits 0, so
     * (bits - 1) >> 63 is all ones there and clears the quotient (NaN or inf) to +0.
     */
    private static DoubleVector rho(DoubleVector c, DoubleVector n) {
        LongVector zero = n.viewAsIntegralLanes().and(MAGNITUDE).sub(1L).lanewise(VectorOperators.ASHR, 63);
        return clamp(c.div(n).viewAsIntegralLanes().lanewise(VectorOperators.AND_NOT, zero).viewAsFloatingLanes());
    }

    /** x clamped to [-1, 1] as the reference's AbRelu.clamp (NaN and the sign of zero kept), without masks. */
    private static DoubleVector clamp(DoubleVector x) {
        LongVector bits = x.viewAsIntegralLanes();
        return clampedMagnitude(bits).or(bits.and(SIGN_BIT)).viewAsFloatingLanes();
    }

    /**
     * AbRelu (ntk-math.md, "Leaky / asymmetric ReLU"), NNGP only. Column inputs: sqrt(q) at
     * {@code col[j0 + j]} and AbRelu.inverseRoot(q) at {@code col[stride + j0 + j]}; row scalars
     * sq1 = sqrt(q1), r1 = inverseRoot(q1).
     */
    static void abReluNngp(double[] sIn, int si, double[] sOut, int so, int padded, double[] col, int stride, int j0,
                           double sq1, double r1, double half, double f, double sw2, double b2) {
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector c = DoubleVector.fromArray(SP, sIn, si + j);
            abRelu(c, null, DoubleVector.fromArray(SP, col, j0 + j).mul(sq1), DoubleVector.fromArray(SP, col, stride + j0 + j), r1,
                    sOut, so + j, null, 0, half, f, sw2, b2);
        }
    }

    /** AbRelu, NNGP and NTK (inputs as {@link #abReluNngp}). */
    static void abReluBoth(double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so, double[] tOut, int to, int padded,
                           double[] col, int stride, int j0, double sq1, double r1, double half, double f, double sw2, double b2) {
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector c = DoubleVector.fromArray(SP, sIn, si + j);
            DoubleVector t = DoubleVector.fromArray(SP, tIn, ti + j);
            abRelu(c, t, DoubleVector.fromArray(SP, col, j0 + j).mul(sq1), DoubleVector.fromArray(SP, col, stride + j0 + j), r1,
                    sOut, so + j, tOut, to + j, half, f, sw2, b2);
        }
    }

    /**
     * AbRelu's first layer straight from the Gram tile: Sigma(1) = scale g + b2 (as
     * {@link #first}), saved to {@code sigma1[j]} for the identical-rows check and a requested
     * depth 1, and Theta(1) = Sigma(1). Reading g here rather than in a pass of its own lets the
     * out-of-order core overlap the tile's memory stream with the arithmetic (a separate pass
     * over g cost 0.4 ns per entry-layer at L = 4).
     */
    static void abReluFromGram(double[] g, int gi, double scale, double[] sigma1, boolean ntk, double[] sOut, int so,
                               double[] tOut, int to, int padded, double[] col, int stride, int j0, double sq1, double r1,
                               double half, double f, double sw2, double b2) {
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector c = DoubleVector.fromArray(SP, g, gi + j).mul(scale).add(b2);
            c.intoArray(sigma1, j);
            DoubleVector n = DoubleVector.fromArray(SP, col, j0 + j).mul(sq1);
            DoubleVector r2 = DoubleVector.fromArray(SP, col, stride + j0 + j);
            if (ntk) {
                abRelu(c, c, n, r2, r1, sOut, so + j, tOut, to + j, half, f, sw2, b2);
            } else {
                abRelu(c, null, n, r2, r1, sOut, so + j, null, 0, half, f, sw2, b2);
            }
        }
    }

    /**
     * One vector of the AbRelu layer: Sigma' to sOut[so ..], and Theta' to tOut[to ..] when t is
     * not null. rho = clamp((c r1) r2) is AbRelu.rho bit for bit: a zero variance has r = 0, so
     * rho = 0 there with no mask, and no division in the loop. Adding 0.0 turns -0.0 into +0.0 so
     * that the sign bit means rho < 0 (the reference's atan2(s, -0.0) is pi/2 too).
     */
    private static void abRelu(DoubleVector c, DoubleVector t, DoubleVector n, DoubleVector r2, double r1,
                               double[] sOut, int so, double[] tOut, int to, double half, double f, double sw2, double b2) {
        LongVector bits = c.mul(r1).mul(r2).add(0.0).viewAsIntegralLanes();
        LongVector sign = bits.and(SIGN_BIT);
        LongVector mag = clampedMagnitude(bits);
        DoubleVector rho = mag.or(sign).viewAsFloatingLanes();
        DoubleVector sr = DoubleVector.broadcast(SP, 1.0).sub(rho).mul(rho.add(1.0)).sqrt();
        DoubleVector dd = angle(mag.viewAsFloatingLanes(), sign).mul(-f).add(half);
        DoubleVector sNew = sr.mul(f).add(dd.mul(rho)).mul(n).mul(sw2).add(b2);
        sNew.intoArray(sOut, so);
        if (t != null) {
            t.fma(dd.mul(sw2), sNew).intoArray(tOut, to);
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
            DoubleVector t = tIn == null ? null : DoubleVector.fromArray(SP, tIn, ti + j);
            DoubleVector n = DoubleVector.fromArray(SP, col, o).mul(sq1);
            DoubleVector rho = rho(c, n);
            DoubleVector sw2v = DoubleVector.fromArray(SP, col, stride + o);
            DoubleVector pp = clamp(rho.mul(2.0).mul(sw1).mul(sw2v)).lanewise(VectorOperators.ASIN).mul(2 / Math.PI);
            DoubleVector sNew = pp.mul(sw2).add(b2);
            sNew.intoArray(sOut, so + j);
            if (tIn != null) {
                DoubleVector u2 = DoubleVector.fromArray(SP, col, 2 * stride + o);
                DoubleVector su2 = DoubleVector.fromArray(SP, col, 3 * stride + o);
                DoubleVector w2 = DoubleVector.fromArray(SP, col, 4 * stride + o);
                DoubleVector ratio = u2.add(u1).sub(u2.mul(u1))
                        .add(w2.mul(w14).mul(rho.neg().add(1.0).mul(rho.add(1.0))));
                DoubleVector dd = su2.mul(c1).div(ratio.sqrt());
                t.mul(dd.mul(sw2)).add(sNew).intoArray(tOut, to + j);
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
            DoubleVector t = tIn == null ? null : DoubleVector.fromArray(SP, tIn, ti + j);
            DoubleVector q2 = DoubleVector.fromArray(SP, col, o);
            DoubleVector n = DoubleVector.fromArray(SP, col, stride + o).mul(sq1);
            DoubleVector rho = rho(cIn, n);
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
                t.mul(dd.mul(sw2)).add(sNew).intoArray(tOut, to + j);
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
            DoubleVector t = tIn == null ? null : DoubleVector.fromArray(SP, tIn, ti + j);
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
                t.mul(dd.mul(sw2)).add(sNew).intoArray(tOut, to + j);
            }
        }
    }

    /** s[at + j] = scale g[base+j] + b2 (Sigma at depth 1) for j < len, 0 up to padded. */
    static void first(double[] g, int base, int len, int padded, double scale, double b2, double[] s, int at) {
        int j = 0;
        for (; j + LANES <= len; j += LANES) {
            DoubleVector.fromArray(SP, g, base + j).mul(scale).add(b2).intoArray(s, at + j);
        }
        for (; j < len; j++) {
            s[at + j] = scale * g[base + j] + b2;
        }
        for (; j < padded; j++) {
            s[at + j] = 0.0;
        }
    }

    /** Identity: E[phi phi] = c, E[phi' phi'] = 1. */
    static void identity(double[] sIn, int si, double[] tIn, int ti, double[] sOut, int so, double[] tOut, int to, int padded, double sw2, double b2) {
        double tf = sw2 * 1.0;
        for (int j = 0; j < padded; j += LANES) {
            DoubleVector t = tIn == null ? null : DoubleVector.fromArray(SP, tIn, ti + j);
            DoubleVector sNew = DoubleVector.fromArray(SP, sIn, si + j).mul(sw2).add(b2);
            sNew.intoArray(sOut, so + j);
            if (tIn != null) {
                t.mul(tf).add(sNew).intoArray(tOut, to + j);
            }
        }
    }
}
