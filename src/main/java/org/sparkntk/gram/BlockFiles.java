package org.sparkntk.gram;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Staged input rows ({@code OUT/_blocks/<run>/<side>/seg-SSSSSSSSSSSS.bin}): segments of consecutive
 * matrix rows, each a 28-byte header (magic "NTKB", version, start row, rows, d) then rows*d
 * little-endian float64 values. Written once per run; each tile task reads the two blocks it
 * needs straight from the file system ({@link Staged#read}: the byte ranges of the segments a
 * block overlaps), through a small per-JVM cache ({@link #cached}) because consecutive tiles share
 * their row block.
 */
public final class BlockFiles {

    private static final int MAGIC = 0x4E544B42;
    private static final int VERSION = 1;
    private static final int HEADER = 4 + 4 + 8 + 4 + 4;
    private static final int CHUNK = 1 << 16;

    private BlockFiles() {
    }

    /** {@code dir/seg-000000012345.bin}: the segment whose first row is {@code start}. */
    public static Path segmentPath(Path dir, long start) {
        return new Path(dir, String.format("seg-%012d.bin", start));
    }

    /**
     * Writes a segment: {@code rows} consecutive matrix rows from {@code start}, row i (0-based in
     * the segment) given by {@code row}, each of length d.
     */
    public static void writeSegment(Configuration conf, Path file, long start, int rows, int d, IntFunction<double[]> row)
            throws IOException {
        FileSystem fs = file.getFileSystem(conf);
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(fs.create(file, true), CHUNK))) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putInt(VERSION).putLong(start).putInt(rows).putInt(d);
            out.write(h.array());
            // whole rows, each converted in bulk (a DoubleBuffer view), not value by value
            ByteBuffer buf = ByteBuffer.allocate(Math.max(CHUNK, d * 8)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows; i++) {
                if (buf.remaining() < d * 8) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.asDoubleBuffer().put(row.apply(i), 0, d);
                buf.position(buf.position() + d * 8);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    /**
     * The staged rows of one side (IN or IN2): segment files in {@code dir} that together hold rows
     * 0..n-1 in order, each starting at {@code starts[k]} and ending where the next starts. A segment
     * is a run of rows one staging task held (no shuffle), or one block (when staged by a shuffle).
     * Block I (rows I*B ..) is read from the segments it overlaps.
     */
    public record Staged(String dir, long n, int blockSize, int d, long[] starts) implements Serializable {

        /**
         * Checks that segments of (start, rows) cover 0..n-1 exactly once and returns them sorted.
         *
         * @throws IllegalStateException when they do not (a staging bug, never bad input)
         */
        public static Staged of(String dir, long n, int blockSize, int d, List<long[]> segments) {
            List<long[]> sorted = new ArrayList<>(segments);
            sorted.sort((a, b) -> Long.compare(a[0], b[0]));
            long[] starts = new long[sorted.size()];
            long next = 0;
            for (int k = 0; k < starts.length; k++) {
                long[] g = sorted.get(k);
                if (g[0] != next || g[1] <= 0) {
                    throw new IllegalStateException("staged segments of " + dir + " do not cover rows 0.." + (n - 1)
                            + " exactly once: a segment at row " + g[0] + " of " + g[1] + " rows, expected one at row " + next);
                }
                starts[k] = g[0];
                next = g[0] + g[1];
            }
            if (next != n) {
                throw new IllegalStateException("staged segments of " + dir + " cover rows 0.." + (next - 1) + " but there are " + n);
            }
            return new Staged(dir, n, blockSize, d, starts);
        }

        /** Reads block {@code index} (rows index*B .. min(n, (index+1)*B) - 1). */
        public Block read(Configuration conf, int index) throws IOException {
            long start = (long) index * blockSize;
            int rows = (int) Math.min(blockSize, n - start);
            long bytes = (long) rows * d * 8;
            if (bytes > Integer.MAX_VALUE - 16) {
                throw new IOException(dir + ": block of " + rows + " x " + d + " is too large");
            }
            byte[] data = new byte[(int) bytes];
            int k = java.util.Arrays.binarySearch(starts, start);
            if (k < 0) {
                k = -k - 2; // the segment holding row `start`
            }
            Path base = new Path(dir);
            FileSystem fs = base.getFileSystem(conf);
            long row = start;
            int off = 0;
            for (; row < start + rows; k++) {
                long segEnd = k + 1 < starts.length ? starts[k + 1] : n;
                long upTo = Math.min(segEnd, start + rows);
                Path file = segmentPath(base, starts[k]);
                try (FSDataInputStream in = fs.open(file)) {
                    byte[] hb = new byte[HEADER];
                    in.readFully(0, hb);
                    ByteBuffer h = ByteBuffer.wrap(hb).order(ByteOrder.LITTLE_ENDIAN);
                    if (h.getInt() != MAGIC || h.getInt() != VERSION || h.getLong() != starts[k]
                            || h.getInt() != segEnd - starts[k] || h.getInt() != d) {
                        throw new IOException(file + " is not the spark-ntk block segment expected (rows " + starts[k] + ".."
                                + (segEnd - 1) + ", d = " + d + ")");
                    }
                    int len = (int) ((upTo - row) * d * 8);
                    in.readFully(HEADER + (row - starts[k]) * d * 8, data, off, len);
                    off += len;
                }
                row = upTo;
            }
            double[] x = new double[rows * d];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(x);
            return new Block(index, start, rows, d, x);
        }

        /** Cache key of block {@code index}. */
        String key(int index) {
            return dir + "/block-" + index;
        }
    }

    /** Per-JVM LRU of blocks, bounded in bytes (an eighth of the heap, at most 1 GiB). */
    private static final long CACHE_BYTES = Math.min(Runtime.getRuntime().maxMemory() / 8, 1L << 30);
    private static final LinkedHashMap<String, Block> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    private static long cachedBytes;

    /**
     * Block {@code index} of {@code side}, from this JVM's cache when a recent task read it. Keys
     * include the run id in the path, so blocks of another run are never served.
     */
    public static Block cached(Configuration conf, Staged side, int index) throws IOException {
        String key = side.key(index);
        synchronized (CACHE) {
            Block b = CACHE.get(key);
            if (b != null) {
                return b;
            }
        }
        Block b = side.read(conf, index);
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
