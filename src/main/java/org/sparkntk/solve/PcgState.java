package org.sparkntk.solve;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Everything block PCG carries from one iteration to the next, so a saved state continues with
 * the same iterates: x (solution), r (residual), p (search directions), rz = r.z per output,
 * which outputs are done, and the iteration count. {@code tag} names the problem (N, k, ridge,
 * preconditioner, inputs) so that a resume against a different problem is refused.
 */
public final class PcgState {

    private static final int MAGIC = 0x4E544B50; // "NTKP"
    private static final int VERSION = 1;

    final int n;
    final int k;
    final double[] x;
    final double[] r;
    final double[] p;
    final double[] rz;
    final double[] yNorm;
    final boolean[] done;
    int iteration;
    final String tag;

    PcgState(int n, int k, double[] x, double[] r, double[] p, double[] rz, double[] yNorm, boolean[] done,
             int iteration, String tag) {
        this.n = n;
        this.k = k;
        this.x = x;
        this.r = r;
        this.p = p;
        this.rz = rz;
        this.yNorm = yNorm;
        this.done = done;
        this.iteration = iteration;
        this.tag = tag;
    }

    /** Iterations completed. */
    public int iteration() {
        return iteration;
    }

    /** The problem tag this state belongs to. */
    public String tag() {
        return tag;
    }

    /** Current solution estimate (live array, row-major N x k). */
    public double[] x() {
        return x;
    }

    /** Current recurrence residual norms divided by ||y|| per output. */
    public double[] relativeResiduals() {
        double[] rn = Blocks.norms(r, k);
        for (int c = 0; c < k; c++) {
            rn[c] = yNorm[c] == 0 ? 0 : rn[c] / yNorm[c];
        }
        return rn;
    }

    /** Outputs that met the stopping rule. */
    public boolean[] done() {
        return done.clone();
    }

    /** A deep copy (for tests and for checkpointing while the solve goes on). */
    public PcgState copy() {
        return new PcgState(n, k, x.clone(), r.clone(), p.clone(), rz.clone(), yNorm.clone(), done.clone(), iteration, tag);
    }

    /** Writes the state (doubles bit-exact). */
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeUTF(tag);
        out.writeInt(n);
        out.writeInt(k);
        out.writeInt(iteration);
        for (boolean b : done) {
            out.writeBoolean(b);
        }
        writeArray(out, rz);
        writeArray(out, yNorm);
        writeArray(out, x);
        writeArray(out, r);
        writeArray(out, p);
    }

    /** Reads a state written by {@link #write}. */
    public static PcgState read(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a spark-ntk PCG checkpoint");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("PCG checkpoint version " + version + ", expected " + VERSION);
        }
        String tag = in.readUTF();
        int n = in.readInt();
        int k = in.readInt();
        int it = in.readInt();
        boolean[] done = new boolean[k];
        for (int c = 0; c < k; c++) {
            done[c] = in.readBoolean();
        }
        double[] rz = readArray(in, k);
        double[] yNorm = readArray(in, k);
        double[] x = readArray(in, n * k);
        double[] r = readArray(in, n * k);
        double[] p = readArray(in, n * k);
        return new PcgState(n, k, x, r, p, rz, yNorm, done, it, tag);
    }

    private static void writeArray(DataOutputStream out, double[] a) throws IOException {
        for (double v : a) {
            out.writeDouble(v);
        }
    }

    private static double[] readArray(DataInputStream in, int len) throws IOException {
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
            a[i] = in.readDouble();
        }
        return a;
    }
}
