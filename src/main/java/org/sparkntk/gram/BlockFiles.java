package org.sparkntk.gram;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Staged input blocks ({@code OUT/_blocks/<run>/<side>/block-IIIII.bin}): a 28-byte header (magic
 * "NTKB", version, start row, rows, d) then rows*d little-endian float64 values. Written once per
 * run; each tile task reads the two it needs straight from the file system, through a small
 * per-JVM cache ({@link #cached}) because consecutive tiles share their row block.
 */
public final class BlockFiles {

    private static final int MAGIC = 0x4E544B42;
    private static final int VERSION = 1;
    private static final int HEADER = 4 + 4 + 8 + 4 + 4;
    private static final int CHUNK = 1 << 16;

    private BlockFiles() {
    }

    /** {@code dir/block-00003.bin}. */
    public static Path path(Path dir, int block) {
        return new Path(dir, String.format("block-%05d.bin", block));
    }

    /** Writes a block. */
    public static void write(Configuration conf, Path file, Block b) throws IOException {
        FileSystem fs = file.getFileSystem(conf);
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(fs.create(file, true), CHUNK))) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putInt(VERSION).putLong(b.start()).putInt(b.rows()).putInt(b.d());
            out.write(h.array());
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : b.x()) {
                if (buf.remaining() < 8) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putDouble(v);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    /** Reads a block. */
    public static Block read(Configuration conf, Path file, int index) throws IOException {
        FileSystem fs = file.getFileSystem(conf);
        try (FSDataInputStream raw = fs.open(file); DataInputStream in = new DataInputStream(raw)) {
            byte[] hb = new byte[HEADER];
            in.readFully(hb);
            ByteBuffer h = ByteBuffer.wrap(hb).order(ByteOrder.LITTLE_ENDIAN);
            if (h.getInt() != MAGIC || h.getInt() != VERSION) {
                throw new IOException(file + " is not a spark-ntk block file");
            }
            long start = h.getLong();
            int rows = h.getInt();
            int d = h.getInt();
            long bytes = (long) rows * d * 8;
            if (bytes > Integer.MAX_VALUE - 16) {
                throw new IOException(file + ": block of " + rows + " x " + d + " is too large");
            }
            byte[] data = new byte[(int) bytes];
            in.readFully(data);
            double[] x = new double[rows * d];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(x);
            return new Block(index, start, rows, d, x);
        }
    }

    /** Per-JVM LRU of blocks, bounded in bytes (an eighth of the heap, at most 1 GiB). */
    private static final long CACHE_BYTES = Math.min(Runtime.getRuntime().maxMemory() / 8, 1L << 30);
    private static final LinkedHashMap<String, Block> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    private static long cachedBytes;

    /**
     * The block at {@code file}, from this JVM's cache when a recent task read it. Keys include the
     * run id in the path, so blocks of another run are never served.
     */
    public static Block cached(Configuration conf, Path file, int index) throws IOException {
        String key = file.toString();
        synchronized (CACHE) {
            Block b = CACHE.get(key);
            if (b != null) {
                return b;
            }
        }
        Block b = read(conf, file, index);
        long size = (long) b.x().length * 8;
        synchronized (CACHE) {
            if (!CACHE.containsKey(key) && size <= CACHE_BYTES) {
                CACHE.put(key, b);
                cachedBytes += size;
                for (var it = CACHE.entrySet().iterator(); cachedBytes > CACHE_BYTES && it.hasNext(); ) {
                    Map.Entry<String, Block> e = it.next();
                    if (e.getKey().equals(key)) {
                        continue;
                    }
                    cachedBytes -= (long) e.getValue().x().length * 8;
                    it.remove();
                }
            }
        }
        return b;
    }

    /** Drops every cached block whose path starts with {@code prefix} (end of a run in this JVM). */
    public static void evict(String prefix) {
        synchronized (CACHE) {
            for (var it = CACHE.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Block> e = it.next();
                if (e.getKey().startsWith(prefix)) {
                    cachedBytes -= (long) e.getValue().x().length * 8;
                    it.remove();
                }
            }
        }
    }
}
