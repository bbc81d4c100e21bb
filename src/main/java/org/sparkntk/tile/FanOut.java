package org.sparkntk.tile;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one piece of work split into contiguous ranges on as many threads (the caller takes the
 * first range): the one thread fan-out of the multi-threaded GEMM and recursion, for benchmarks
 * and local use (inside Spark tasks each task is one thread).
 */
public final class FanOut {

    private FanOut() {
    }

    /** Work on rows [lo, hi). */
    @FunctionalInterface
    public interface Range {
        void run(int lo, int hi);
    }

    /**
     * Runs {@code range} on [bounds[w], bounds[w+1]) for every w, range 0 on this thread and the
     * others on new threads named {@code name-w}; returns when all are done and rethrows the
     * first failure as an IllegalStateException.
     */
    public static void run(String name, int[] bounds, Range range) {
        int t = bounds.length - 1;
        List<Thread> pool = new ArrayList<>(Math.max(0, t - 1));
        Throwable[] failure = new Throwable[1];
        for (int w = 1; w < t; w++) {
            int lo = bounds[w];
            int hi = bounds[w + 1];
            Thread th = new Thread(() -> range.run(lo, hi), name + "-" + w);
            th.setUncaughtExceptionHandler((x, e) -> {
                synchronized (failure) {
                    if (failure[0] == null) {
                        failure[0] = e;
                    }
                }
            });
            th.start();
            pool.add(th);
        }
        try {
            range.run(bounds[0], bounds[1]);
        } finally {
            for (Thread th : pool) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for " + name + " threads", e);
                }
            }
        }
        synchronized (failure) {
            if (failure[0] != null) {
                throw new IllegalStateException(name + " thread failed", failure[0]);
            }
        }
    }
}
