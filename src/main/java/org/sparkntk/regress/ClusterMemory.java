package org.sparkntk.regress;

import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/** What the running Spark application has for a {@link MemoryPlan}: executors' storage memory and the driver's free heap. */
final class ClusterMemory {

    private ClusterMemory() {
    }

    /** Storage memory of the executors (the driver's own in local mode) and the driver heap left for the solve. */
    static MemoryPlan.Resources probe(SparkContext sc) {
        boolean local = sc.isLocal();
        Runtime rt = Runtime.getRuntime();
        // free heap as the solve will see it: the maximum heap minus what is live now (the read inputs)
        System.gc();
        long used = rt.totalMemory() - rt.freeMemory();
        long driverFree = rt.maxMemory() - used - (300L << 20);
        String driverHostPort = SparkEnv.get().blockManager().blockManagerId().hostPort();
        Map<String, Tuple2<Object, Object>> status = CollectionConverters.asJava(sc.getExecutorMemoryStatus());
        long storage = 0;
        int executors = 0;
        for (Map.Entry<String, Tuple2<Object, Object>> e : status.entrySet()) {
            boolean driver = e.getKey().equals(driverHostPort);
            if (local == driver) {
                storage += (Long) e.getValue()._2(); // remaining storage memory
                executors++;
            }
        }
        String override = System.getProperty(MemoryPlan.STORAGE_BYTES_PROPERTY);
        if (override != null) {
            storage = Long.parseLong(override.trim());
            executors = Math.max(executors, 1);
        }
        String where;
        if (local) {
            where = "this JVM's heap (local mode)";
        } else if (executors == 0) {
            return new MemoryPlan.Resources(-1, "the executors (none registered yet)", driverFree, false);
        } else {
            where = String.format(Locale.ROOT, "%d executor%s", executors, executors == 1 ? "" : "s");
        }
        return new MemoryPlan.Resources(storage, where, driverFree, local);
    }
}
