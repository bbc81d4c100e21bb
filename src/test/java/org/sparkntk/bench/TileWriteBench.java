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
import org.sparkntk.io.KernelTile;
import org.sparkntk.io.Tile;
import org.sparkntk.io.TileFiles;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.Precision;

/**
 * Where a tile task's write time goes (issue 15, item 1): one thread writes FILES tile files of
 * two B x B float64 kernels each through {@link TileFiles#write} (temporary name, rename) with the
 * Hadoop configuration a job has, then with variants, and the same bytes with a plain
 * FileOutputStream as the yardstick; each line is MB/s of tile values. The order of the variants
 * rotates per round and {@code sync} runs before each. Usage:
 * java -cp ... org.sparkntk.bench.TileWriteBench DIR B FILES ROUNDS
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
        List<KernelTile> rows = new ArrayList<>();
        rows.add(new KernelTile(KernelKind.NTK, 4, new Tile(0, 1, 0, b, b, b, v1)));
        rows.add(new KernelTile(KernelKind.NNGP, 4, new Tile(0, 1, 0, b, b, b, v2)));
        double mb = 2.0 * 8 * b * b * files / 1e6;
        for (int round = 0; round < rounds; round++) {
            String[] variants = {"job-conf", "raw-local", "raw-local+1MiB-buffer", "plain-stream"};
            for (int vi = 0; vi < variants.length; vi++) {
                // rotated per round, and the page cache flushed before each: a variant run right after
                // another would otherwise pay for the previous one's dirty pages
                String variant = variants[(vi + round) % variants.length];
                new ProcessBuilder("sync").inheritIO().start().waitFor();
                Path out = dir.resolve(variant + "-" + round);
                Files.createDirectories(out);
                Configuration conf = new Configuration();
                if (variant.startsWith("raw-local")) {
                    conf.set("fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem");
                    conf.setBoolean("fs.file.impl.disable.cache", true);
                }
                if (variant.endsWith("buffer")) {
                    conf.setInt("io.file.buffer.size", 1 << 20);
                }
                long t0 = System.nanoTime();
                for (int f = 0; f < files; f++) {
                    if (variant.equals("plain-stream")) {
                        ByteBuffer bb = ByteBuffer.allocate(8 * b * b).order(ByteOrder.LITTLE_ENDIAN);
                        try (FileOutputStream o = new FileOutputStream(out.resolve("f" + f).toFile())) {
                            for (double[] v : new double[][] {v1, v2}) {
                                bb.clear();
                                bb.asDoubleBuffer().put(v);
                                o.write(bb.array());
                            }
                        }
                    } else {
                        TileFiles.write(conf, new org.apache.hadoop.fs.Path(out.toUri()), 0, f, rows, Precision.FLOAT64);
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "RESULT round %d %-22s %7.1f MB in %6.2f s: %7.1f MB/s%n", round, variant, mb, s, mb / s);
                try (var paths = Files.walk(out)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
