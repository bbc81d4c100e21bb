package org.sparkntk.bench;

import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import com.sun.nio.file.ExtendedOpenOption;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.sparkntk.io.KernelTile;
import org.sparkntk.io.LocalTileOutput;
import org.sparkntk.io.Tile;
import org.sparkntk.io.TileFiles;
import org.sparkntk.io.TileWriter;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.Precision;

/**
 * Where a tile task's write time goes (issue 15, item 1): THREADS threads each write FILES tile
 * files of two B x B float64 kernels, once per variant: "job" ({@link TileFiles#write} with a
 * job's Hadoop configuration: temporary name, rename; it used LocalTileOutput while that was the
 * default), "job-direct" (the same through the O_DIRECT writer, {@link TileWriter#DIRECT}), "hadoop-stream" (the same pages through Hadoop's LocalFileSystem stream), {@link LocalTileOutput}
 * with 1/4/8 MiB chunks, without the .crc file, with an fdatasync at close, and the same bytes
 * without Parquet: a plain FileOutputStream (one large write per kernel, or 1 MiB writes) and
 * O_DIRECT aligned 4 MiB writes. Each line: MB/s of tile values (wall), the summed thread time
 * and the summed thread CPU time (user + system; robust to a loaded machine, blind to I/O waits).
 * The order of the variants rotates per round and {@code sync} runs before each. With
 * {@code -Dtwb.companion=true} one more thread streams through a 512 MB array (copy, add) while the
 * writers run, as the tile kernel does on the other core of a Gram job, so the writers share the
 * memory bandwidth; its passes per second are printed beside each result. Usage:
 * java -cp ... org.sparkntk.bench.TileWriteBench DIR B FILES ROUNDS [THREADS [VARIANT,...]]
 */
public final class TileWriteBench {

    private TileWriteBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int b = Integer.parseInt(args[1]);
        int files = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        Random r = new Random(1);
        double[] v1 = new double[b * b];
        double[] v2 = new double[b * b];
        for (int i = 0; i < v1.length; i++) {
            v1[i] = r.nextDouble();
            v2[i] = r.nextDouble();
        }
        final List<KernelTile> rows = new ArrayList<>();
        rows.add(new KernelTile(KernelKind.NTK, 4, new Tile(0, 1, 0, b, b, b, v1)));
        rows.add(new KernelTile(KernelKind.NNGP, 4, new Tile(0, 1, 0, b, b, b, v2)));
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        String[] variants = args.length > 5 ? args[5].split(",") : new String[] {"hadoop-stream", "job", "local-1M", "local-8M",
                "local-4M-nocrc", "local-4M-fsync", "plain-stream", "plain-stream-1M", "direct-4M"};
        double mb = 2.0 * 8 * b * b * files * threads / 1e6;
        for (int round = 0; round < rounds; round++) {
            for (int vi = 0; vi < variants.length; vi++) {
                // rotated per round, and the page cache flushed before each: a variant run right after
                // another would otherwise pay for the previous one's dirty pages
                String variant = variants[(vi + round) % variants.length];
                new ProcessBuilder("sync").inheritIO().start().waitFor();
                Path out = dir.resolve(variant + "-" + round);
                Files.createDirectories(out);
                double[] threadSeconds = new double[threads];
                double[] threadCpu = new double[threads];
                Thread[] ts = new Thread[threads];
                Exception[] failed = new Exception[1];
                Companion companion = Boolean.getBoolean("twb.companion") ? new Companion() : null;
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int ti = t;
                    ts[t] = new Thread(() -> {
                        try {
                            long s0 = System.nanoTime();
                            long c0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                            for (int f = 0; f < files; f++) {
                                writeOne(variant, out, ti * files + f, rows, v1, v2, b);
                            }
                            threadSeconds[ti] = (System.nanoTime() - s0) / 1e9;
                            threadCpu[ti] = (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - c0) / 1e9;
                        } catch (Exception e) {
                            failed[0] = e;
                        }
                    });
                    ts[t].start();
                }
                for (Thread t : ts) {
                    t.join();
                }
                if (failed[0] != null) {
                    throw failed[0];
                }
                double s = (System.nanoTime() - t0) / 1e9;
                String comp = companion == null ? "" : String.format(Locale.ROOT, "; companion %.2f passes/s", companion.finish() / s);
                double sum = java.util.Arrays.stream(threadSeconds).sum();
                double cpu = java.util.Arrays.stream(threadCpu).sum();
                System.out.printf(Locale.ROOT, "RESULT round %d threads %d %-16s %7.1f MB in %6.2f s: %7.1f MB/s; summed thread time %6.2f s (%6.1f MB/s per thread), thread CPU %6.2f s (%6.1f MB per CPU-s)%s%n",
                        round, threads, variant, mb, s, mb / s, sum, mb / sum, cpu, mb / cpu, comp);
                try (var paths = Files.walk(out)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** A thread streaming through two 256 MB arrays (a[i] += b[i]) until stopped; counts its passes. */
    private static final class Companion extends Thread {
        private static double[] a;
        private static double[] b;
        private volatile boolean stop;
        private long parts;

        Companion() {
            if (a == null) {
                a = new double[32 << 20];
                b = new double[32 << 20];
                java.util.Arrays.fill(b, 1e-9);
            }
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            // counted in 1/32 passes (16 MB of a), so a short run still has a fine count
            int step = a.length / 32;
            while (!stop) {
                for (int from = 0; from < a.length && !stop; from += step) {
                    for (int i = from; i < from + step; i++) {
                        a[i] += b[i];
                    }
                    parts++;
                }
            }
        }

        /** Stops the thread; the passes it made. */
        double finish() throws InterruptedException {
            stop = true;
            join();
            return parts / 32.0;
        }
    }

    private static void writeOne(String variant, Path out, int f, List<KernelTile> rows, double[] v1, double[] v2, int b) throws Exception {
        Path file = out.resolve("f" + f + ".parquet");
        Configuration conf = new Configuration();
        switch (variant) {
            case "job" -> TileFiles.write(conf, new org.apache.hadoop.fs.Path(out.toUri()), 0, f, rows, Precision.FLOAT64);
            case "job-direct" -> TileFiles.write(conf, new org.apache.hadoop.fs.Path(out.toUri()), 0, f, rows, Precision.FLOAT64,
                    TileWriter.DIRECT);
            case "hadoop-stream" -> TileFiles.writeFile(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), conf), rows, Precision.FLOAT64);
            case "local-1M" -> TileFiles.writeFile(new LocalTileOutput(file, 512, 1 << 20, false), rows, Precision.FLOAT64);
            case "local-4M" -> TileFiles.writeFile(new LocalTileOutput(file, 512, 4 << 20, false), rows, Precision.FLOAT64);
            case "local-8M" -> TileFiles.writeFile(new LocalTileOutput(file, 512, 8 << 20, false), rows, Precision.FLOAT64);
            case "local-4M-nocrc" -> TileFiles.writeFile(new LocalTileOutput(file, 0, 4 << 20, false), rows, Precision.FLOAT64);
            case "local-4M-fsync" -> TileFiles.writeFile(new LocalTileOutput(file, 512, 4 << 20, true), rows, Precision.FLOAT64);
            case "plain-stream", "plain-stream-1M" -> {
                // the same bytes, no Parquet: one large write per kernel, or 1 MiB writes
                ByteBuffer bb = ByteBuffer.allocate(8 * b * b).order(ByteOrder.LITTLE_ENDIAN);
                int step = variant.endsWith("1M") ? 1 << 20 : bb.capacity();
                try (FileOutputStream o = new FileOutputStream(file.toFile())) {
                    for (double[] v : new double[][] {v1, v2}) {
                        bb.clear();
                        bb.asDoubleBuffer().put(v);
                        for (int off = 0; off < bb.capacity(); off += step) {
                            o.write(bb.array(), off, Math.min(step, bb.capacity() - off));
                        }
                    }
                }
            }
            case "direct-4M" -> {
                // the same bytes, no Parquet, O_DIRECT (page cache bypassed) from an aligned buffer,
                // the last write padded to 4 KiB and the file truncated to its length
                int chunk = 4 << 20;
                ByteBuffer raw = ByteBuffer.allocateDirect(chunk + 4096);
                ByteBuffer buf = raw.alignedSlice(4096).limit(chunk).slice().order(ByteOrder.LITTLE_ENDIAN);
                long len = 16L * b * b;
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT)) {
                    for (double[] v : new double[][] {v1, v2}) {
                        for (int i = 0; i < v.length; ) {
                            buf.clear();
                            int n = Math.min(chunk / 8, v.length - i);
                            buf.asDoubleBuffer().put(v, i, n);
                            i += n;
                            int bytes = n * 8;
                            buf.limit((bytes + 4095) & ~4095);
                            while (buf.hasRemaining()) {
                                ch.write(buf);
                            }
                        }
                    }
                    ch.truncate(len);
                }
            }
            default -> throw new IllegalArgumentException("variant " + variant);
        }
    }
}
