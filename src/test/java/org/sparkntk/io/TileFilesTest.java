package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tile files without Spark: write, read back, names, atomic placement. */
class TileFilesTest {

    @TempDir
    Path tmp;

    static Tile tile(int i, int j, int m, int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[m * n];
        for (int k = 0; k < v.length; k++) {
            v[k] = r.nextGaussian();
        }
        return new Tile(i, j, 128L * i, 128L * j, m, n, v);
    }

    @Test
    void roundTripBothPrecisions() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.toString(), "tiles");
        Tile a = tile(2, 7, 128, 13, 1);
        Tile b = tile(2, 7, 128, 13, 2);
        List<KernelTile> rows = List.of(new KernelTile(KernelKind.NTK, 3, a), new KernelTile(KernelKind.NNGP, 3, b));
        long size = TileFiles.write(conf, dir, 2, 7, rows, Precision.FLOAT64);
        Path f = tmp.resolve("tiles/tile-r00002-c00007.parquet");
        assertTrue(Files.exists(f));
        assertEquals(Files.size(f), size);
        try (var s = Files.list(tmp.resolve("tiles/_tmp"))) {
            assertEquals(0, s.count(), "nothing left in _tmp");
        }
        List<KernelTile> back = TileFiles.read(conf, new org.apache.hadoop.fs.Path(f.toString()));
        assertEquals(2, back.size());
        assertEquals(KernelKind.NTK, back.get(0).kernel());
        assertEquals(3, back.get(0).depth());
        Tile t = back.get(0).tile();
        assertEquals(List.of(2, 7, 256L, 896L, 128, 13), List.of(t.blockRow(), t.blockCol(), t.rowStart(), t.colStart(), t.numRows(), t.numCols()));
        assertArrayEquals(a.values(), t.values(), 0.0);
        assertArrayEquals(b.values(), back.get(1).tile().values(), 0.0);
        assertArrayEquals(b.values(), TileFiles.read(conf, new org.apache.hadoop.fs.Path(f.toString()), KernelKind.NNGP, 3).get(0).tile().values(), 0.0);

        TileFiles.write(conf, dir, 2, 7, rows, Precision.FLOAT32); // replaces the file
        Tile t32 = TileFiles.read(conf, new org.apache.hadoop.fs.Path(f.toString())).get(0).tile();
        for (int k = 0; k < a.values().length; k++) {
            assertEquals((float) a.values()[k], t32.values()[k], 0.0);
        }
    }

    @Test
    void names() {
        assertEquals("tile-r00003-c00012.parquet", TileFiles.fileName(3, 12));
        assertArrayEquals(new int[] {3, 12}, TileFiles.parseName("tile-r00003-c00012.parquet"));
        assertArrayEquals(new int[] {123456, 7}, TileFiles.parseName(TileFiles.fileName(123456, 7)));
        assertNull(TileFiles.parseName("tile-r00003-c00012.parquet.1234"));
        assertNull(TileFiles.parseName("_SUCCESS"));
    }

    @Test
    void writeSpeed() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.toString(), "speed");
        Tile a = tile(0, 0, 1024, 1024, 3);
        List<KernelTile> rows = List.of(new KernelTile(KernelKind.NTK, 3, a));
        for (int rep = 0; rep < 10; rep++) {
            long t0 = System.nanoTime();
            TileFiles.write(conf, dir, 0, rep, rows, Precision.FLOAT64);
            double s = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            TileFiles.read(conf, new org.apache.hadoop.fs.Path(dir, TileFiles.fileName(0, rep)));
            double sr = (System.nanoTime() - t1) / 1e9;
            System.out.printf("tile write 1M doubles: %.3f s (%.0f MB/s), read %.3f s%n", s, 8.0 / s, sr);
        }
    }
}
