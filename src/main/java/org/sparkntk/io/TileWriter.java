package org.sparkntk.io;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkntk.spec.UserError;

/**
 * How tile files reach the file system, chosen with {@code -Dntk.tile.writer=auto|hadoop|direct}
 * ({@link #PROPERTY}, read only by {@link #configured}, which the Gram job calls once on the driver
 * and hands to its tile tasks, so executors need no option):
 * <ul>
 * <li>{@code hadoop}: the file system's own output stream (Hadoop's LocalFileSystem with
 * its {@code .crc} file, HDFS, ...).</li>
 * <li>{@code direct}: on the local file system, {@link LocalTileOutput#direct} (O_DIRECT, 4 MiB
 * aligned writes, the same {@code .crc} file): the device copies the bytes by DMA instead of the
 * kernel copying them into the page cache (docs/benchmarks.md, "Tile writes: O_DIRECT"). Where
 * that is impossible (not a local path, or a file system refusing O_DIRECT) it falls back to
 * {@code hadoop} and logs so once.</li>
 * <li>{@code auto} (default): the same as {@code direct}, the fall-back logged at INFO rather than
 * WARN. On a quiet machine the direct writer made the tile phase 0.73-0.77x Hadoop's stream at
 * N = 16384 and 32768 (docs/benchmarks.md, "Tile writes: O_DIRECT").</li>
 * </ul>
 */
public enum TileWriter {
    /** The file system's own output stream. */
    HADOOP,
    /** O_DIRECT on a local file system that takes it, else HADOOP. */
    DIRECT,
    /** DIRECT where possible, without a warning where not. */
    AUTO;

    /** The system property choosing the writer. */
    public static final String PROPERTY = "ntk.tile.writer";

    private static final Logger LOG = LoggerFactory.getLogger(TileWriter.class);

    /** O_DIRECT probe results per local file store. */
    private static final Map<java.nio.file.FileStore, Boolean> ACCEPTS = new ConcurrentHashMap<>();
    /** Decisions already logged. */
    private static final Map<String, Boolean> LOGGED = new ConcurrentHashMap<>();

    /** The label of this writer as the property and kernel.json spell it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The writer named by {@code -Dntk.tile.writer} (the only place that reads it); {@code auto} when unset. */
    public static TileWriter configured() {
        String v = System.getProperty(PROPERTY, "auto").trim();
        for (TileWriter w : values()) {
            if (w.label().equalsIgnoreCase(v)) {
                return w;
            }
        }
        throw new UserError("-D" + PROPERTY + "=" + v + " is not a tile writer: use auto, hadoop or direct");
    }

    /**
     * The writer that writes files into {@code dir}: HADOOP or DIRECT, never AUTO. For DIRECT and AUTO
     * the local file system is probed once per file store ({@link LocalTileOutput#acceptsDirect});
     * the decision is logged once per writer and store.
     */
    public TileWriter resolve(Configuration conf, Path dir) throws IOException {
        if (this == HADOOP) {
            return HADOOP;
        }
        FileSystem fs = dir.getFileSystem(conf);
        String why;
        if (!isLocal(fs)) {
            why = "not a local file system: " + fs.getUri();
        } else {
            java.nio.file.Path local = localPath(fs, dir);
            java.nio.file.Files.createDirectories(local);
            java.nio.file.FileStore store = java.nio.file.Files.getFileStore(local);
            boolean ok = ACCEPTS.computeIfAbsent(store, s -> {
                try {
                    return LocalTileOutput.acceptsDirect(local);
                } catch (IOException e) {
                    return false;
                }
            });
            if (ok) {
                once(label() + " " + store, () -> LOG.info("tile writer: direct (O_DIRECT, {} MiB aligned writes) on {} ({})",
                        LocalTileOutput.DEFAULT_CHUNK >> 20, store, local));
                return DIRECT;
            }
            why = "the file system refuses O_DIRECT: " + store;
        }
        String msg = "tile writer: hadoop (-D" + PROPERTY + "=" + label() + ", but " + why + ")";
        once(label() + " " + why, () -> {
            if (this == DIRECT) {
                LOG.warn(msg);
            } else {
                LOG.info(msg);
            }
        });
        return HADOOP;
    }

    /**
     * The Parquet output for {@code file} through this writer, resolved first ({@link #resolve}): a
     * direct {@link LocalTileOutput} with the checksum chunk of the local file system (0 without
     * one, as with {@code RawLocalFileSystem}), or Hadoop's stream.
     */
    public OutputFile output(Configuration conf, Path file) throws IOException {
        if (resolve(conf, file.getParent()) == DIRECT) {
            FileSystem fs = file.getFileSystem(conf);
            int bytesPerSum = fs instanceof ChecksumFileSystem c ? c.getBytesPerSum() : 0;
            return LocalTileOutput.direct(localPath(fs, file), bytesPerSum);
        }
        return HadoopOutputFile.fromPath(file, conf);
    }

    private static boolean isLocal(FileSystem fs) {
        FileSystem raw = fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
        return raw instanceof RawLocalFileSystem && "file".equals(fs.getScheme());
    }

    private static java.nio.file.Path localPath(FileSystem fs, Path p) {
        return java.nio.file.Path.of(fs.makeQualified(p).toUri());
    }

    private static void once(String key, Runnable log) {
        if (LOGGED.putIfAbsent(key, Boolean.TRUE) == null) {
            log.run();
        }
    }
}
