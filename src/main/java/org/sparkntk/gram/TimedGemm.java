package org.sparkntk.gram;

import org.sparkntk.tile.Gemm;

/** A {@link Gemm} that adds the time it spends to a counter (the summary's GEMM GFLOP/s). */
final class TimedGemm extends Gemm {
    private final Gemm inner;
    long nanos;

    TimedGemm(Gemm inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String floatName() {
        return inner.floatName();
    }

    @Override
    protected void sgemmABtK(float[] a, int m, float[] b, int n, int d, float[] c) {
        long t0 = System.nanoTime();
        inner.sgemmABt(a, m, b, n, d, c);
        nanos += System.nanoTime() - t0;
    }

    @Override
    protected void sgemmAAtK(float[] a, int m, int d, float[] c) {
        long t0 = System.nanoTime();
        inner.sgemmAAt(a, m, d, c);
        nanos += System.nanoTime() - t0;
    }

    @Override
    protected void gemmABtK(double[] a, int m, double[] b, int n, int d, double[] c) {
        long t0 = System.nanoTime();
        inner.gemmABt(a, m, b, n, d, c);
        nanos += System.nanoTime() - t0;
    }

    @Override
    protected void gemmABtK(double[] a, int aOff, int m, double[] b, int bOff, int n, int d, double[] c, int cOff, int ldc) {
        long t0 = System.nanoTime();
        inner.gemmABt(a, aOff, m, b, bOff, n, d, c, cOff, ldc);
        nanos += System.nanoTime() - t0;
    }

    @Override
    protected void gemmAAtK(double[] a, int aOff, int m, int d, double[] c, int cOff, int ldc) {
        long t0 = System.nanoTime();
        inner.gemmAAt(a, aOff, m, d, c, cOff, ldc);
        nanos += System.nanoTime() - t0;
    }

    /** The inner GEMM's own symmetric product (half the flops where it has one), timed. */
    @Override
    protected void gemmAAtK(double[] a, int m, int d, double[] c) {
        long t0 = System.nanoTime();
        inner.gemmAAt(a, m, d, c);
        nanos += System.nanoTime() - t0;
    }
}
