package org.sparkntk.gram;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Local mode: an input read by the driver on a daemon thread while the SparkSession starts (the
 * start-up does not keep both cores busy all the time; the read costs it less than it saves later), then served to tasks of this JVM from memory
 * (docs/design.md, "Reading without Spark SQL"). The readers ({@code InputScan} for gram,
 * {@code regress.ParquetRows}) decide what a prefetch reads and check, when they take it, that it
 * was read from the files and with the columns they would read; this class only runs, hands over
 * and serves what they read.
 */
public final class Prefetch {

    private Prefetch() {
    }

    /** {@code -Dntk.prefetch=false} starts no prefetch (the inputs are then read by tasks; for measurements). */
    public static boolean enabled() {
        return !"false".equals(System.getProperty("ntk.prefetch"));
    }

    /** A path that names the local file system: a file: URI, or no scheme with Hadoop's default file system (file:) unchanged. */
    private static boolean local(String path) {
        try {
            String scheme = new java.net.URI(path.replace(" ", "%20")).getScheme();
            return scheme == null || scheme.equals("file") || scheme.length() == 1; // "C:" is a Windows drive
        } catch (java.net.URISyntaxException e) {
            return true; // decided by the file system lookup in the thread
        }
    }

    /** Prefetches by key (the reader's own record type, so different readers never share a key). */
    private static final Map<Object, CompletableFuture<Object>> STARTED = new ConcurrentHashMap<>();

    /**
     * Starts {@code read} on a daemon thread under {@code key} when {@code path} is on the local
     * file system (a remote file system is read by Spark: its settings, retries and errors). A
     * failure or a null result leaves nothing, and the caller then reads the input as usual.
     *
     * @return the running read (tests wait for it), or null when nothing was started
     */
    public static CompletableFuture<?> start(Configuration conf, String path, Object key, Callable<?> read) {
        if (!enabled() || !local(path)) {
            return null;
        }
        CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
            try {
                // the file system is looked up here, not by the caller: loading Hadoop's file systems
                // takes a few hundred ms of the thread that goes on to start Spark
                return new Path(path).getFileSystem(conf) instanceof LocalFileSystem ? read.call() : null;
            } catch (Exception e) {
                return null;
            }
        }, r -> {
            Thread t = new Thread(r, "spark-ntk-prefetch");
            t.setDaemon(true);
            t.start();
        });
        CompletableFuture<Object> old = STARTED.put(key, f);
        if (old != null) {
            old.cancel(false); // a second prefetch of the same input replaces the first
        }
        return f;
    }

    /**
     * What the prefetch under {@code key} read (waiting for it to finish), or null when none was
     * started or it failed. Either way the prefetch is dropped: it is taken once.
     */
    public static <T> T take(Object key, Class<T> type) {
        CompletableFuture<Object> f = STARTED.remove(key);
        if (f == null) {
            return null;
        }
        try {
            Object v = f.join();
            return type.isInstance(v) ? type.cast(v) : null;
        } catch (RuntimeException e) {
            return null; // cancelled or failed
        }
    }

    /** Waits until every prefetch started so far has finished reading (tests). */
    public static void awaitAll() {
        for (CompletableFuture<Object> f : STARTED.values()) {
            try {
                f.join();
            } catch (RuntimeException e) {
                // cancelled or failed: nothing to wait for
            }
        }
    }

    /** Drops the prefetches not taken whose key is a {@code keyType} (a run that stopped before reading its inputs). */
    public static void drop(Class<?> keyType) {
        STARTED.keySet().removeIf(keyType::isInstance);
    }

    /** Parts served by {@link Local} RDDs, by id, until released. */
    private static final Map<String, List<? extends List<?>>> SERVED = new ConcurrentHashMap<>();

    /**
     * Prefetched parts as an RDD, partition i holding the elements of part i, that tasks (local
     * mode: in this JVM) read from memory, so nothing is serialized into a task. {@link #release}
     * drops them; the RDD cannot be computed after that.
     */
    public static final class Local<T> extends org.apache.spark.rdd.RDD<T> {
        private static final long serialVersionUID = 1L;
        private final String id;
        private final int count;

        public Local(org.apache.spark.SparkContext sc, List<? extends List<T>> parts, Class<T> type) {
            super(sc, scala.collection.immutable.List$.MODULE$.<org.apache.spark.Dependency<?>>empty(),
                    scala.reflect.ClassTag$.MODULE$.apply(type));
            this.id = java.util.UUID.randomUUID().toString();
            this.count = parts.size();
            SERVED.put(id, new ArrayList<>(parts));
        }

        private record Index(int index) implements org.apache.spark.Partition {
        }

        @Override
        public org.apache.spark.Partition[] getPartitions() {
            org.apache.spark.Partition[] p = new org.apache.spark.Partition[count];
            for (int i = 0; i < count; i++) {
                p[i] = new Index(i);
            }
            return p;
        }

        @Override
        @SuppressWarnings("unchecked")
        public scala.collection.Iterator<T> compute(org.apache.spark.Partition split, org.apache.spark.TaskContext ctx) {
            List<? extends List<?>> parts = SERVED.get(id);
            if (parts == null) {
                throw new IllegalStateException("prefetched rows " + id + " are not in this JVM (released, or a task on an executor)");
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(((List<T>) parts.get(split.index())).iterator());
        }

        /** Drops the parts. */
        public void release() {
            SERVED.remove(id);
        }
    }
}
