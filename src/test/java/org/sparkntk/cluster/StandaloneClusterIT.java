package org.sparkntk.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The test harness itself: two workers come up ALIVE, and close() leaves no process behind. */
class StandaloneClusterIT {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startsAndTearsDown() throws Exception {
        Path work = StandaloneCluster.PROJECT.resolve("target/cluster-it/harness");
        List<ProcessHandle> started;
        long t0 = System.nanoTime();
        try (StandaloneCluster c = StandaloneCluster.start(work, 2, 1, "512m", Duration.ofSeconds(60))) {
            System.out.printf("cluster up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertEquals(2, c.aliveWorkers());
            started = c.workerProcesses();
            assertEquals(2, started.size());
            long t1 = System.nanoTime();
            c.close();
            System.out.printf("cluster down in %.1f s%n", (System.nanoTime() - t1) / 1e9);
            assertEquals(List.of(), c.leftovers());
        }
        for (ProcessHandle p : started) {
            assertTrue(!p.isAlive(), "worker " + p.pid() + " still alive");
        }
    }
}
