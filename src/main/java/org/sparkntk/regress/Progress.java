package org.sparkntk.regress;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.api.java.JavaSparkContext;
import static org.sparkntk.gram.GramJob.duration;

/**
 * Logs the progress of the Spark work running while it is open: finished tasks of the active
 * stages, elapsed time and an ETA from the rate so far, every {@link #PERIOD_SECONDS} seconds.
 * For the long phases of a regression (kernel tiles, prediction), which are otherwise silent for
 * minutes at N = 60000.
 */
final class Progress implements AutoCloseable {

    /** Seconds between lines. */
    static final long PERIOD_SECONDS = Long.getLong("ntk.progress.seconds", 15);

    private final ScheduledExecutorService ticker;

    private Progress(ScheduledExecutorService ticker) {
        this.ticker = ticker;
    }

    /** Starts logging "{@code what}: tasks done/total ..." lines until {@link #close}. */
    static Progress start(JavaSparkContext jsc, String what, Consumer<String> log) {
        SparkStatusTracker tracker = jsc.sc().statusTracker();
        long t0 = System.nanoTime();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "spark-ntk-progress");
            th.setDaemon(true);
            return th;
        });
        ticker.scheduleAtFixedRate(() -> {
            int done = 0;
            int total = 0;
            for (int id : tracker.getActiveStageIds()) {
                scala.Option<SparkStageInfo> info = tracker.getStageInfo(id);
                if (info.isDefined()) {
                    done += info.get().numCompletedTasks();
                    total += info.get().numTasks();
                }
            }
            if (total > 0) {
                double s = (System.nanoTime() - t0) / 1e9;
                String eta = done > 0 ? duration(s * (total - done) / done) : "?";
                log.accept(String.format(Locale.ROOT, "%s: %d/%d tasks (%.0f%%), elapsed %s, ETA %s", what, done, total,
                        100.0 * done / total, duration(s), eta));
            }
        }, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
        return new Progress(ticker);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
