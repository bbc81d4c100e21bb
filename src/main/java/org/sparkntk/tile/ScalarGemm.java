package org.sparkntk.tile;

/** Reference {@link Gemm}: a plain dot product per entry (slow, obviously right). */
public final class ScalarGemm extends Gemm {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String floatName() {
        return "scalar float32";
    }

    @Override
    protected void sgemmABtK(float[] a, int m, float[] b, int n, int d, float[] c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int k = 0; k < d; k++) {
                    s += a[i * d + k] * b[j * d + k];
                }
                c[i * n + j] = s;
            }
        }
    }

    @Override
    protected void gemmABtK(double[] a, int m, double[] b, int n, int d, double[] c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += a[i * d + k] * b[j * d + k];
                }
                c[i * n + j] = s;
            }
        }
    }

    @Override
    protected void gemmABtK(double[] a, int aOff, int m, double[] b, int bOff, int n, int d, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += a[aOff + i * d + k] * b[bOff + j * d + k];
                }
                c[cOff + i * ldc + j] = s;
            }
        }
    }
}
