package org.sparkntk.tile.panama;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparkntk.tile.PanelProduct;

/**
 * The fused Vector API {@link PanelProduct}: both skinny products of a stored panel from one read
 * of it. Four rows of the panel and two outputs at a time: per column vector, the four row vectors
 * (a float32 panel widened to double in registers) are multiplied into 8 row-sum accumulators
 * (forward) and 2 column accumulators of yT (transposed), 16 FMAs per 4 panel loads, 2 loads of
 * xT, 2 loads and 2 stores of yT; 21 vector registers live, so nothing spills with 32 (AVX-512)
 * and little with 16. The panel (at most 256 KB) stays in L2 while it is read once per pair of
 * outputs. Tails: rows and an odd last output one row and one output at a time, columns past the
 * last full vector in scalar code.
 *
 * <p>The float64 and float32 kernels are the same code over {@code ld}, which loads a vector of
 * doubles from either: the two copies differ only in the panel's type (change both).
 */
final class PanamaPanelProduct extends PanelProduct {

    static final VectorSpecies<Double> D = Species.PREFERRED;
    /** Lanes per vector. */
    static final int L = D.length();
    /** Floats of one double vector's lane count (half its bits), widened by {@link #ld(float[], int)}. */
    static final VectorSpecies<Float> F = Species.HALF_FLOAT;

    @Override
    public String name() {
        return "vector-" + D.vectorBitSize() + " fused (4 rows x 2 outputs)";
    }

    private static DoubleVector ld(double[] p, int i) {
        return DoubleVector.fromArray(D, p, i);
    }

    private static DoubleVector ld(float[] p, int i) {
        return (DoubleVector) FloatVector.fromArray(F, p, i).convertShape(VectorOperators.F2D, D, 0);
    }

    // ---- float64 panels ----

    @Override
    protected void multiplyK(double[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                             double[] xi, int xiOff, double[] yT) {
        int o = 0;
        for (; o + 2 <= k; o += 2) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int pr = pOff + r * nc;
                if (yi == null) {
                    transposed42(p, pr, nc, k, xi, xiOff + r * k + o, yT, o * nc);
                } else if (xi == null) {
                    forward42(p, pr, nc, k, xT, o * nc, yi, yiOff + r * k + o);
                } else {
                    both42(p, pr, nc, k, xT, o * nc, yi, yiOff + r * k + o, xi, xiOff + r * k + o, yT);
                }
            }
            for (; r < rows; r++) {
                for (int u = o; u < o + 2; u++) {
                    one(p, pOff + r * nc, nc, xT, yi, yiOff + r * k + u, xi, xiOff + r * k + u, yT, u * nc);
                }
            }
        }
        for (; o < k; o++) {
            for (int r = 0; r < rows; r++) {
                one(p, pOff + r * nc, nc, xT, yi, yiOff + r * k + o, xi, xiOff + r * k + o, yT, o * nc);
            }
        }
    }

    /**
     * Rows p0 .. p0 + 4 nc (4 rows), outputs o, o + 1 (xT and yT rows from c0): yi (from yi0, row
     * stride k) += P xj, yT += P^T xi (xi from xi0, row stride k). 8 row sums and 2 column
     * accumulators per column vector: 16 FMAs per 4 vector loads of P, 4 of xT / yT, 2 stores.
     */
    private static void both42(double[] p, int p0, int nc, int k, double[] xT, int c0, double[] yi, int yi0,
                               double[] xi, int xi0, double[] yT) {
        int p1 = p0 + nc;
        int p2 = p1 + nc;
        int p3 = p2 + nc;
        int c1 = c0 + nc;
        double s00 = xi[xi0];
        double s01 = xi[xi0 + 1];
        double s10 = xi[xi0 + k];
        double s11 = xi[xi0 + k + 1];
        double s20 = xi[xi0 + 2 * k];
        double s21 = xi[xi0 + 2 * k + 1];
        double s30 = xi[xi0 + 3 * k];
        double s31 = xi[xi0 + 3 * k + 1];
        DoubleVector b00 = DoubleVector.broadcast(D, s00);
        DoubleVector b01 = DoubleVector.broadcast(D, s01);
        DoubleVector b10 = DoubleVector.broadcast(D, s10);
        DoubleVector b11 = DoubleVector.broadcast(D, s11);
        DoubleVector b20 = DoubleVector.broadcast(D, s20);
        DoubleVector b21 = DoubleVector.broadcast(D, s21);
        DoubleVector b30 = DoubleVector.broadcast(D, s30);
        DoubleVector b31 = DoubleVector.broadcast(D, s31);
        DoubleVector a00 = DoubleVector.zero(D);
        DoubleVector a01 = a00;
        DoubleVector a10 = a00;
        DoubleVector a11 = a00;
        DoubleVector a20 = a00;
        DoubleVector a21 = a00;
        DoubleVector a30 = a00;
        DoubleVector a31 = a00;
        int bound = D.loopBound(nc);
        int c = 0;
        for (; c < bound; c += L) {
            DoubleVector v0 = ld(p, p0 + c);
            DoubleVector v1 = ld(p, p1 + c);
            DoubleVector v2 = ld(p, p2 + c);
            DoubleVector v3 = ld(p, p3 + c);
            DoubleVector x0 = DoubleVector.fromArray(D, xT, c0 + c);
            DoubleVector x1 = DoubleVector.fromArray(D, xT, c1 + c);
            a00 = v0.fma(x0, a00);
            a01 = v0.fma(x1, a01);
            a10 = v1.fma(x0, a10);
            a11 = v1.fma(x1, a11);
            a20 = v2.fma(x0, a20);
            a21 = v2.fma(x1, a21);
            a30 = v3.fma(x0, a30);
            a31 = v3.fma(x1, a31);
            DoubleVector y0 = DoubleVector.fromArray(D, yT, c0 + c);
            DoubleVector y1 = DoubleVector.fromArray(D, yT, c1 + c);
            y0 = v0.fma(b00, v1.fma(b10, v2.fma(b20, v3.fma(b30, y0))));
            y1 = v0.fma(b01, v1.fma(b11, v2.fma(b21, v3.fma(b31, y1))));
            y0.intoArray(yT, c0 + c);
            y1.intoArray(yT, c1 + c);
        }
        double r00 = a00.reduceLanes(VectorOperators.ADD);
        double r01 = a01.reduceLanes(VectorOperators.ADD);
        double r10 = a10.reduceLanes(VectorOperators.ADD);
        double r11 = a11.reduceLanes(VectorOperators.ADD);
        double r20 = a20.reduceLanes(VectorOperators.ADD);
        double r21 = a21.reduceLanes(VectorOperators.ADD);
        double r30 = a30.reduceLanes(VectorOperators.ADD);
        double r31 = a31.reduceLanes(VectorOperators.ADD);
        for (; c < nc; c++) {
            double v0 = p[p0 + c];
            double v1 = p[p1 + c];
            double v2 = p[p2 + c];
            double v3 = p[p3 + c];
            double x0 = xT[c0 + c];
            double x1 = xT[c1 + c];
            r00 += v0 * x0;
            r01 += v0 * x1;
            r10 += v1 * x0;
            r11 += v1 * x1;
            r20 += v2 * x0;
            r21 += v2 * x1;
            r30 += v3 * x0;
            r31 += v3 * x1;
            yT[c0 + c] += v0 * s00 + v1 * s10 + v2 * s20 + v3 * s30;
            yT[c1 + c] += v0 * s01 + v1 * s11 + v2 * s21 + v3 * s31;
        }
        yi[yi0] += r00;
        yi[yi0 + 1] += r01;
        yi[yi0 + k] += r10;
        yi[yi0 + k + 1] += r11;
        yi[yi0 + 2 * k] += r20;
        yi[yi0 + 2 * k + 1] += r21;
        yi[yi0 + 3 * k] += r30;
        yi[yi0 + 3 * k + 1] += r31;
    }

    /** The forward half of {@link #both42}: yi += P xj for 4 rows and 2 outputs. */
    private static void forward42(double[] p, int p0, int nc, int k, double[] xT, int c0, double[] yi, int yi0) {
        int p1 = p0 + nc;
        int p2 = p1 + nc;
        int p3 = p2 + nc;
        int c1 = c0 + nc;
        DoubleVector a00 = DoubleVector.zero(D);
        DoubleVector a01 = a00;
        DoubleVector a10 = a00;
        DoubleVector a11 = a00;
        DoubleVector a20 = a00;
        DoubleVector a21 = a00;
        DoubleVector a30 = a00;
        DoubleVector a31 = a00;
        int bound = D.loopBound(nc);
        int c = 0;
        for (; c < bound; c += L) {
            DoubleVector v0 = ld(p, p0 + c);
            DoubleVector v1 = ld(p, p1 + c);
            DoubleVector v2 = ld(p, p2 + c);
            DoubleVector v3 = ld(p, p3 + c);
            DoubleVector x0 = DoubleVector.fromArray(D, xT, c0 + c);
            DoubleVector x1 = DoubleVector.fromArray(D, xT, c1 + c);
            a00 = v0.fma(x0, a00);
            a01 = v0.fma(x1, a01);
            a10 = v1.fma(x0, a10);
            a11 = v1.fma(x1, a11);
            a20 = v2.fma(x0, a20);
            a21 = v2.fma(x1, a21);
            a30 = v3.fma(x0, a30);
            a31 = v3.fma(x1, a31);
        }
        double r00 = a00.reduceLanes(VectorOperators.ADD);
        double r01 = a01.reduceLanes(VectorOperators.ADD);
        double r10 = a10.reduceLanes(VectorOperators.ADD);
        double r11 = a11.reduceLanes(VectorOperators.ADD);
        double r20 = a20.reduceLanes(VectorOperators.ADD);
        double r21 = a21.reduceLanes(VectorOperators.ADD);
        double r30 = a30.reduceLanes(VectorOperators.ADD);
        double r31 = a31.reduceLanes(VectorOperators.ADD);
        for (; c < nc; c++) {
            double v0 = p[p0 + c];
            double v1 = p[p1 + c];
            double v2 = p[p2 + c];
            double v3 = p[p3 + c];
            double x0 = xT[c0 + c];
            double x1 = xT[c1 + c];
            r00 += v0 * x0;
            r01 += v0 * x1;
            r10 += v1 * x0;
            r11 += v1 * x1;
            r20 += v2 * x0;
            r21 += v2 * x1;
            r30 += v3 * x0;
            r31 += v3 * x1;
        }
        yi[yi0] += r00;
        yi[yi0 + 1] += r01;
        yi[yi0 + k] += r10;
        yi[yi0 + k + 1] += r11;
        yi[yi0 + 2 * k] += r20;
        yi[yi0 + 2 * k + 1] += r21;
        yi[yi0 + 3 * k] += r30;
        yi[yi0 + 3 * k + 1] += r31;
    }

    /** The transposed half of {@link #both42}: yT += P^T xi for 4 rows and 2 outputs (yT rows from c0). */
    private static void transposed42(double[] p, int p0, int nc, int k, double[] xi, int xi0, double[] yT, int c0) {
        int p1 = p0 + nc;
        int p2 = p1 + nc;
        int p3 = p2 + nc;
        int c1 = c0 + nc;
        double s00 = xi[xi0];
        double s01 = xi[xi0 + 1];
        double s10 = xi[xi0 + k];
        double s11 = xi[xi0 + k + 1];
        double s20 = xi[xi0 + 2 * k];
        double s21 = xi[xi0 + 2 * k + 1];
        double s30 = xi[xi0 + 3 * k];
        double s31 = xi[xi0 + 3 * k + 1];
        DoubleVector b00 = DoubleVector.broadcast(D, s00);
        DoubleVector b01 = DoubleVector.broadcast(D, s01);
        DoubleVector b10 = DoubleVector.broadcast(D, s10);
        DoubleVector b11 = DoubleVector.broadcast(D, s11);
        DoubleVector b20 = DoubleVector.broadcast(D, s20);
        DoubleVector b21 = DoubleVector.broadcast(D, s21);
        DoubleVector b30 = DoubleVector.broadcast(D, s30);
        DoubleVector b31 = DoubleVector.broadcast(D, s31);
        int bound = D.loopBound(nc);
        int c = 0;
        for (; c < bound; c += L) {
            DoubleVector v0 = ld(p, p0 + c);
            DoubleVector v1 = ld(p, p1 + c);
            DoubleVector v2 = ld(p, p2 + c);
            DoubleVector v3 = ld(p, p3 + c);
            DoubleVector y0 = DoubleVector.fromArray(D, yT, c0 + c);
            DoubleVector y1 = DoubleVector.fromArray(D, yT, c1 + c);
            y0 = v0.fma(b00, v1.fma(b10, v2.fma(b20, v3.fma(b30, y0))));
            y1 = v0.fma(b01, v1.fma(b11, v2.fma(b21, v3.fma(b31, y1))));
            y0.intoArray(yT, c0 + c);
            y1.intoArray(yT, c1 + c);
        }
        for (; c < nc; c++) {
            double v0 = p[p0 + c];
            double v1 = p[p1 + c];
            double v2 = p[p2 + c];
            double v3 = p[p3 + c];
            yT[c0 + c] += v0 * s00 + v1 * s10 + v2 * s20 + v3 * s30;
            yT[c1 + c] += v0 * s01 + v1 * s11 + v2 * s21 + v3 * s31;
        }
    }

    /**
     * One row (from p0) and one output: yi[yi0] += row . xT[c0 ..] (when yi != null) and
     * yT[c0 ..] += row xi[xi0] (when xi != null). The tails in rows and outputs.
     */
    private static void one(double[] p, int p0, int nc, double[] xT, double[] yi, int yi0, double[] xi, int xi0,
                            double[] yT, int c0) {
        int bound = D.loopBound(nc);
        if (yi != null && xi != null) {
            double s = xi[xi0];
            DoubleVector b = DoubleVector.broadcast(D, s);
            DoubleVector a = DoubleVector.zero(D);
            int c = 0;
            for (; c < bound; c += L) {
                DoubleVector v = ld(p, p0 + c);
                a = v.fma(DoubleVector.fromArray(D, xT, c0 + c), a);
                v.fma(b, DoubleVector.fromArray(D, yT, c0 + c)).intoArray(yT, c0 + c);
            }
            double r = a.reduceLanes(VectorOperators.ADD);
            for (; c < nc; c++) {
                r += p[p0 + c] * xT[c0 + c];
                yT[c0 + c] += p[p0 + c] * s;
            }
            yi[yi0] += r;
        } else if (yi != null) {
            DoubleVector a = DoubleVector.zero(D);
            int c = 0;
            for (; c < bound; c += L) {
                a = ld(p, p0 + c).fma(DoubleVector.fromArray(D, xT, c0 + c), a);
            }
            double r = a.reduceLanes(VectorOperators.ADD);
            for (; c < nc; c++) {
                r += p[p0 + c] * xT[c0 + c];
            }
            yi[yi0] += r;
        } else {
            double s = xi[xi0];
            DoubleVector b = DoubleVector.broadcast(D, s);
            int c = 0;
            for (; c < bound; c += L) {
                ld(p, p0 + c).fma(b, DoubleVector.fromArray(D, yT, c0 + c)).intoArray(yT, c0 + c);
            }
            for (; c < nc; c++) {
                yT[c0 + c] += p[p0 + c] * s;
            }
        }
    }

    // ---- float32 panels (the same code, the panel's type changed) ----

    @Override
    protected void multiplyK(float[] p, int pOff, int rows, int nc, int k, double[] xT, double[] yi, int yiOff,
                             double[] xi, int xiOff, double[] yT) {
        int o = 0;
        for (; o + 2 <= k; o += 2) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int pr = pOff + r * nc;
                if (yi == null) {
                    transposed42(p, pr, nc, k, xi, xiOff + r * k + o, yT, o * nc);
                } else if (xi == null) {
                    forward42(p, pr, nc, k, xT, o * nc, yi, yiOff + r * k + o);
                } else {
                    both42(p, pr, nc, k, xT, o * nc, yi, yiOff + r * k + o, xi, xiOff + r * k + o, yT);
                }
            }
            for (; r < rows; r++) {
                for (int u = o; u < o + 2; u++) {
                    one(p, pOff + r * nc, nc, xT, yi, yiOff + r * k + u, xi, xiOff + r * k + u, yT, u * nc);
                }
            }
        }
        for (; o < k; o++) {
            for (int r = 0; r < rows; r++) {
                one(p, pOff + r * nc, nc, xT, yi, yiOff + r * k + o, xi, xiOff + r * k + o, yT, o * nc);
            }
        }
    }

    /**
     * Rows p0 .. p0 + 4 nc (4 rows), outputs o, o + 1 (xT and yT rows from c0): yi (from yi0, row
     * stride k) += P xj, yT += P^T xi (xi from xi0, row stride k). 8 row sums and 2 column
     * accumulators per column vector: 16 FMAs per 4 vector loads of P, 4 of xT / yT, 2 stores.
     */
    private static void both42(float[] p, int p0, int nc, int k, double[] xT, int c0, double[] yi, int yi0,
                               double[] xi, int xi0, double[] yT) {
        int p1 = p0 + nc;
        int p2 = p1 + nc;
        int p3 = p2 + nc;
        int c1 = c0 + nc;
        double s00 = xi[xi0];
        double s01 = xi[xi0 + 1];
        double s10 = xi[xi0 + k];
        double s11 = xi[xi0 + k + 1];
        double s20 = xi[xi0 + 2 * k];
        double s21 = xi[xi0 + 2 * k + 1];
        double s30 = xi[xi0 + 3 * k];
        double s31 = xi[xi0 + 3 * k + 1];
        DoubleVector b00 = DoubleVector.broadcast(D, s00);
        DoubleVector b01 = DoubleVector.broadcast(D, s01);
        DoubleVector b10 = DoubleVector.broadcast(D, s10);
        DoubleVector b11 = DoubleVector.broadcast(D, s11);
        DoubleVector b20 = DoubleVector.broadcast(D, s20);
        DoubleVector b21 = DoubleVector.broadcast(D, s21);
        DoubleVector b30 = DoubleVector.broadcast(D, s30);
        DoubleVector b31 = DoubleVector.broadcast(D, s31);
        DoubleVector a00 = DoubleVector.zero(D);
        DoubleVector a01 = a00;
        DoubleVector a10 = a00;
        DoubleVector a11 = a00;
        DoubleVector a20 = a00;
        DoubleVector a21 = a00;
        DoubleVector a30 = a00;
        DoubleVector a31 = a00;
        int bound = D.loopBound(nc);
        int c = 0;
        for (; c < bound; c += L) {
            DoubleVector v0 = ld(p, p0 + c);
            DoubleVector v1 = ld(p, p1 + c);
            DoubleVector v2 = ld(p, p2 + c);
            DoubleVector v3 = ld(p, p3 + c);
            DoubleVector x0 = DoubleVector.fromArray(D, xT, c0 + c);
            DoubleVector x1 = DoubleVector.fromArray(D, xT, c1 + c);
            a00 = v0.fma(x0, a00);
            a01 = v0.fma(x1, a01);
            a10 = v1.fma(x0, a10);
            a11 = v1.fma(x1, a11);
            a20 = v2.fma(x0, a20);
            a21 = v2.fma(x1, a21);
            a30 = v3.fma(x0, a30);
            a31 = v3.fma(x1, a31);
            DoubleVector y0 = DoubleVector.fromArray(D, yT, c0 + c);
            DoubleVector y1 = DoubleVector.fromArray(D, yT, c1 + c);
            y0 = v0.fma(b00, v1.fma(b10, v2.fma(b20, v3.fma(b30, y0))));
            y1 = v0.fma(b01, v1.fma(b11, v2.fma(b21, v3.fma(b31, y1))));
            y0.intoArray(yT, c0 + c);
            y1.intoArray(yT, c1 + c);
        }
        double r00 = a00.reduceLanes(VectorOperators.ADD);
        double r01 = a01.reduceLanes(VectorOperators.ADD);
        double r10 = a10.reduceLanes(VectorOperators.ADD);
        double r11 = a11.reduceLanes(VectorOperators.ADD);
        double r20 = a20.reduceLanes(VectorOperators.ADD);
        double r21 = a21.reduceLanes(VectorOperators.ADD);
        double r30 = a30.reduceLanes(VectorOperators.ADD);
        double r31 = a31.reduceLanes(VectorOperators.ADD);
        for (; c < nc; c++) {
            double v0 = p[p0 + c];
            double v1 = p[p1 + c];
            double v2 = p[p2 + c];
            double v3 = p[p3 + c];
            double x0 = xT[c0 + c];
            double x1 = xT[c1 + c];
            r00 += v0 * x0;
            r01 += v0 * x1;
            r10 += v1 * x0;
            r11 += v1 * x1;
            r20 += v2 * x0;
            r21 += v2 * x1;
            r30 += v3 * x0;
            r31 += v3 * x1;
            yT[c0 + c] += v0 * s00 + v1 * s10 + v2 * s20 + v3 * s30;
            yT[c1 + c] += v0 * s01 + v1 * s11 + v2 * s21 + v3 * s31;
        }
        yi[yi0] += r00;
        yi[yi0 + 1] += r01;
        yi[yi0 + k] += r10;
        yi[yi0 + k + 1] += r11;
        yi[yi0 + 2 * k] += r20;
        yi[yi0 + 2 * k + 1] += r21;
        yi[yi0 + 3 * k] += r30;
        yi[yi0 + 3 * k + 1] += r31;
    }

    /** The forward half of {@link #both42}: yi += P xj for 4 rows and 2 outputs. */
    private static void forward42(float[] p, int p0, int nc, int k, double[] xT, int c0, double[] yi, int yi0) {
        int p1 = p0 + nc;
        int p2 = p1 + nc;
        int p3 = p2 + nc;
        int c1 = c0 + nc;
        DoubleVector a00 = DoubleVector.zero(D);
        DoubleVector a01 = a00;
        DoubleVector a10 = a00;
        DoubleVector a11 = a00;
        DoubleVector a20 = a00;
        DoubleVector a21 = a00;
        DoubleVector a30 = a00;
        DoubleVector a31 = a00;
        int bound = D.loopBound(nc);
        int c = 0;
        for (; c < bound; c += L) {
            DoubleVector v0 = ld(p, p0 + c);
            DoubleVector v1 = ld(p, p1 + c);
            DoubleVector v2 = ld(p, p2 + c);
            DoubleVector v3 = ld(p, p3 + c);
            DoubleVector x0 = DoubleVector.fromArray(D, xT, c0 + c);
            DoubleVector x1 = DoubleVector.fromArray(D, xT, c1 + c);
            a00 = v0.fma(x0, a00);
            a01 = v0.fma(x1, a01);
            a10 = v1.fma(x0, a10);
            a11 = v1.fma(x1, a11);
            a20 = v2.fma(x0, a20);
            a21 = v2.fma(x1, a21);
            a30 = v3.fma(x0, a30);
            a31 = v3.fma(x1, a31);
        }
        double r00 = a00.reduceLanes(VectorOperators.ADD);
        double r01 = a01.reduceLanes(VectorOperators.ADD);
        double r10 = a10.reduceLanes(VectorOperators.ADD);
        double r11 = a11.reduceLanes(VectorOperators.ADD);
        double r20 = a20.reduceLanes(VectorOperators.ADD);
        double r21 = a21.reduceLanes(VectorOperators.ADD);
        double r30 = a30.reduceLanes(VectorOperators.ADD);
        double r31 = a31.reduceLanes(VectorOperators.ADD);
        for (; c < nc; c++) {
            double v0 = p[p0 + c];
            double v1 = p[p1 + c];
            double v2 = p[p2 + c];
            double v3 = p[p3 + c];
            double x0 = xT[c0 + c];
            double x1 = xT[c1 + c];
            r00 += v0 * x0;
            r01 += v0 * x1;
            r10 += v1 * x0;
            r11 += v1 * x1;
            r20 += v2 * x0;
            r21 += v2 * x1;
            r30 += v3 * x0;
            r31 += v3 * x1;
        }
        yi[yi0] += r00;
        yi[yi0 + 1] += r01;
        yi[yi0 + k] += r10;
        yi[yi0 + k + 1] += r11;
        yi[yi0 + 2 * k] += r20;
        yi[yi0 + 2 * k + 1] += r21;
        yi[yi0 + 3 * k] += r30;
        yi[yi0 + 3 * k + 1] += r31;
    }

    /** The transposed half of {@link #both42}: yT += P^T xi for 4 rows and 2 outputs (yT rows from c0). */
    private static void transposed42(float[] p, int p0, int nc, int k, double[] xi, int xi0, double[] yT, int c0) {
        int p1 = p0 + nc;
        int p2 = p1 + nc;
        int p3 = p2 + nc;
        int c1 = c0 + nc;
        double s00 = xi[xi0];
        double s01 = xi[xi0 + 1];
        double s10 = xi[xi0 + k];
        double s11 = xi[xi0 + k + 1];
        double s20 = xi[xi0 + 2 * k];
        double s21 = xi[xi0 + 2 * k + 1];
        double s30 = xi[xi0 + 3 * k];
        double s31 = xi[xi0 + 3 * k + 1];
        DoubleVector b00 = DoubleVector.broadcast(D, s00);
        DoubleVector b01 = DoubleVector.broadcast(D, s01);
        DoubleVector b10 = DoubleVector.broadcast(D, s10);
        DoubleVector b11 = DoubleVector.broadcast(D, s11);
        DoubleVector b20 = DoubleVector.broadcast(D, s20);
        DoubleVector b21 = DoubleVector.broadcast(D, s21);
        DoubleVector b30 = DoubleVector.broadcast(D, s30);
        DoubleVector b31 = DoubleVector.broadcast(D, s31);
        int bound = D.loopBound(nc);
        int c = 0;
        for (; c < bound; c += L) {
            DoubleVector v0 = ld(p, p0 + c);
            DoubleVector v1 = ld(p, p1 + c);
            DoubleVector v2 = ld(p, p2 + c);
            DoubleVector v3 = ld(p, p3 + c);
            DoubleVector y0 = DoubleVector.fromArray(D, yT, c0 + c);
            DoubleVector y1 = DoubleVector.fromArray(D, yT, c1 + c);
            y0 = v0.fma(b00, v1.fma(b10, v2.fma(b20, v3.fma(b30, y0))));
            y1 = v0.fma(b01, v1.fma(b11, v2.fma(b21, v3.fma(b31, y1))));
            y0.intoArray(yT, c0 + c);
            y1.intoArray(yT, c1 + c);
        }
        for (; c < nc; c++) {
            double v0 = p[p0 + c];
            double v1 = p[p1 + c];
            double v2 = p[p2 + c];
            double v3 = p[p3 + c];
            yT[c0 + c] += v0 * s00 + v1 * s10 + v2 * s20 + v3 * s30;
            yT[c1 + c] += v0 * s01 + v1 * s11 + v2 * s21 + v3 * s31;
        }
    }

    /**
     * One row (from p0) and one output: yi[yi0] += row . xT[c0 ..] (when yi != null) and
     * yT[c0 ..] += row xi[xi0] (when xi != null). The tails in rows and outputs.
     */
    private static void one(float[] p, int p0, int nc, double[] xT, double[] yi, int yi0, double[] xi, int xi0,
                            double[] yT, int c0) {
        int bound = D.loopBound(nc);
        if (yi != null && xi != null) {
            double s = xi[xi0];
            DoubleVector b = DoubleVector.broadcast(D, s);
            DoubleVector a = DoubleVector.zero(D);
            int c = 0;
            for (; c < bound; c += L) {
                DoubleVector v = ld(p, p0 + c);
                a = v.fma(DoubleVector.fromArray(D, xT, c0 + c), a);
                v.fma(b, DoubleVector.fromArray(D, yT, c0 + c)).intoArray(yT, c0 + c);
            }
            double r = a.reduceLanes(VectorOperators.ADD);
            for (; c < nc; c++) {
                r += p[p0 + c] * xT[c0 + c];
                yT[c0 + c] += p[p0 + c] * s;
            }
            yi[yi0] += r;
        } else if (yi != null) {
            DoubleVector a = DoubleVector.zero(D);
            int c = 0;
            for (; c < bound; c += L) {
                a = ld(p, p0 + c).fma(DoubleVector.fromArray(D, xT, c0 + c), a);
            }
            double r = a.reduceLanes(VectorOperators.ADD);
            for (; c < nc; c++) {
                r += p[p0 + c] * xT[c0 + c];
            }
            yi[yi0] += r;
        } else {
            double s = xi[xi0];
            DoubleVector b = DoubleVector.broadcast(D, s);
            int c = 0;
            for (; c < bound; c += L) {
                ld(p, p0 + c).fma(b, DoubleVector.fromArray(D, yT, c0 + c)).intoArray(yT, c0 + c);
            }
            for (; c < nc; c++) {
                yT[c0 + c] += p[p0 + c] * s;
            }
        }
    }
}
