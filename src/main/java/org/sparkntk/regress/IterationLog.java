package org.sparkntk.regress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.sparkntk.solve.PcgSolver;
import org.sparkntk.solve.PcgState;

/**
 * What regress's iterative solvers (PCG on K, FALKON on K_nM) do after every iteration: one log
 * line (largest relative residual, outputs done, seconds), the residual history for the
 * convergence chart, and a checkpoint every {@code every} iterations. Also finds the checkpoint
 * to resume from.
 */
final class IterationLog implements PcgSolver.Listener {

    private final String prefix;
    private final Consumer<String> log;
    private final Configuration conf;
    private final String dir;
    private final int every;
    private final List<double[]> history = new ArrayList<>();
    private final List<Double> seconds = new ArrayList<>();
    private long last = System.nanoTime();

    /**
     * @param prefix  the solver's name in log lines, e.g. {@code pcg}
     * @param dir     the checkpoint's folder (null: no checkpoints)
     * @param every   save every this many iterations (0: never)
     * @param resumed the solve continues from a checkpoint (the history then starts there)
     * @param k       the number of outputs
     */
    IterationLog(String prefix, Consumer<String> log, Configuration conf, String dir, int every, boolean resumed, int k) {
        this.prefix = prefix;
        this.log = log;
        this.conf = conf;
        this.dir = dir;
        this.every = every;
        if (!resumed) {
            double[] first = new double[1 + k];
            Arrays.fill(first, 1, 1 + k, 1.0);
            history.add(first);
        }
    }

    /** The checkpoint under {@code dir} if it is of this problem (the same tag), else null; the log says which. */
    static PcgState resumable(Configuration conf, String dir, String tag, String prefix, Consumer<String> log) {
        if (dir == null) {
            return null;
        }
        try {
            PcgState saved = Checkpoints.load(conf, dir);
            if (saved != null && saved.tag().equals(tag)) {
                log.accept(prefix + ": resuming from the checkpoint at iteration " + saved.iteration());
                return saved;
            }
            if (saved != null) {
                log.accept(prefix + ": ignoring a checkpoint of another problem (" + saved.tag() + ")");
            }
        } catch (IOException e) {
            log.accept(prefix + ": unreadable checkpoint ignored (" + e.getMessage() + ")");
        }
        return null;
    }

    @Override
    public void onIteration(PcgState st, double[] rr) {
        double[] row = new double[1 + rr.length];
        row[0] = st.iteration();
        System.arraycopy(rr, 0, row, 1, rr.length);
        history.add(row);
        long now = System.nanoTime();
        double max = 0;
        int done = 0;
        boolean[] dn = st.done();
        for (int c = 0; c < rr.length; c++) {
            max = Math.max(max, rr[c]);
            done += dn[c] ? 1 : 0;
        }
        log.accept(String.format(Locale.ROOT, "%s iteration %d: relative residual max %.3e, outputs done %d/%d, %.2f s",
                prefix, st.iteration(), max, done, rr.length, (now - last) / 1e9));
        seconds.add((now - last) / 1e9);
        last = now;
        if (dir != null && every > 0 && st.iteration() % every == 0) {
            try {
                Checkpoints.save(conf, dir, st);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Rows (iteration, relative residual per output), from iteration 0 unless resumed. */
    List<double[]> history() {
        return List.copyOf(history);
    }

    /** The median seconds of the iterations after the first (whose interval also holds the set-up), NaN if fewer than two. */
    double medianSecondsAfterFirst() {
        if (seconds.size() < 2) {
            return Double.NaN;
        }
        List<Double> rest = new ArrayList<>(seconds.subList(1, seconds.size()));
        Collections.sort(rest);
        return rest.get(rest.size() / 2);
    }
}
