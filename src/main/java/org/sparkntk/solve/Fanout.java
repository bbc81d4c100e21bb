package org.sparkntk.solve;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The driver-side thread fan-out of the dense solvers: runs tasks 0..count-1 on up to
 * {@code threads} threads (the caller and the common fork-join pool), each thread taking the next
 * task as it finishes one, so uneven tasks balance. netlib's native BLAS runs single-threaded
 * here (OPENBLAS_NUM_THREADS=1 for the Spark tasks) and the Java kernels are single-threaded, so
 * this is what puts every driver core to work.
 */
final class Fanout {

    private Fanout() {
    }

    /** The driver's cores. */
    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Runs {@code task.accept(t)} for t in 0..count-1 on at most {@code threads} threads; rethrows a task's failure. */
    static void run(int count, int threads, IntConsumer task) {
        int t = Math.max(1, Math.min(threads, count));
        if (t == 1) {
            for (int i = 0; i < count; i++) {
                task.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        IntStream.range(0, t).parallel().forEach(w -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                task.accept(i);
            }
        });
    }

    /** A BLAS call on a range of rows [i0, i0 + rows). */
    @FunctionalInterface
    interface RowRange {
        void run(int i0, int rows);
    }

    /** Splits rows 0..n-1 into one contiguous range per driver core (at least 256 rows each) and runs them in parallel. */
    static void rows(int n, RowRange op) {
        int threads = Math.max(1, Math.min(cores(), n / 256));
        run(threads, threads, t -> {
            int i0 = (int) ((long) n * t / threads);
            int i1 = (int) ((long) n * (t + 1) / threads);
            if (i1 > i0) {
                op.run(i0, i1 - i0);
            }
        });
    }
}
