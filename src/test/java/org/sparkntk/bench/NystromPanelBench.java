package org.sparkntk.bench;

import dev.ludovic.netlib.blas.BLAS;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.sparkntk.regress.TileBlock;
import org.sparkntk.tile.NetlibPanelProduct;
import org.sparkntk.tile.PanelProduct;
import org.sparkntk.tile.panama.PanamaSupport;

/**
 * The FALKON pass's per-panel work (NystromOperator.normal: w = K_p v, then acc^T += (K_p^T w)^T)
 * over 0.5 GB of float32 K_nM panels M wide (TileBlock.panelRowsFor(M) rows: 16 at M = 2000, 3 at
 * 10000, 1 at 20000, so the fused kernel's 4-row groups mostly do not apply), k = 10, one thread,
 * netlib's two dgemm against the Vector API kernel, alternating, ROUNDS rounds. Usage:
 * OPENBLAS_NUM_THREADS=1 java --add-modules=jdk.incubator.vector -cp ... org.sparkntk.bench.NystromPanelBench M ROUNDS
 */
public final class NystromPanelBench {

    private NystromPanelBench() {
    }

    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int k = 10;
        int rows = TileBlock.panelRowsFor(m);
        int panels = (int) (5e8 / 4 / ((long) rows * m));
        Random r = new Random(1);
        float[][] pf = new float[panels][rows * m];
        for (float[] p : pf) {
            for (int i = 0; i < p.length; i++) {
                p[i] = r.nextFloat();
            }
        }
        double[] vT = new double[k * m];
        for (int i = 0; i < vT.length; i++) {
            vT[i] = r.nextGaussian();
        }
        PanelProduct[] pps = {new NetlibPanelProduct(BLAS.getInstance()), PanamaSupport.panelProduct()};
        for (int round = 0; round < rounds; round++) {
            for (PanelProduct pp : pps) {
                double[] accT = new double[k * m];
                double[] w = new double[rows * k];
                long t0 = System.nanoTime();
                for (float[] p : pf) {
                    Arrays.fill(w, 0.0);
                    pp.multiply(p, 0, rows, m, k, vT, w, 0, null, 0, null);
                    pp.multiply(p, 0, rows, m, k, null, null, 0, w, 0, accT);
                }
                System.out.printf(Locale.ROOT, "M=%d rows/panel=%d %s: %.3f s (check %.6e)%n", m, rows, pp.name(),
                        (System.nanoTime() - t0) / 1e9, accT[7]);
            }
        }
    }
}
