package org.sparkntk.io;

import org.sparkntk.spec.Precision;
import org.sparkntk.spec.KernelKind;
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

    /** A folder under the test's temporary directory, as a Hadoop path. */
    private org.apache.hadoop.fs.Path dir(String name) {
        return new org.apache.hadoop.fs.Path(tmp.toString(), name);
    }

    @Test
    void roundTripBothPrecisions() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = dir("tiles");
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
    void duckDbReadsTheFilesWithTheDocumentedTypes() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = dir("duck");
        Tile a = tile(1, 3, 7, 5, 4);
        Tile one = new Tile(0, 0, 0, 0, 1, 1, new double[] {2.5});
        TileFiles.write(conf, dir, 1, 3, List.of(new KernelTile(KernelKind.NTK, 2, a), new KernelTile(KernelKind.NNGP, 4, one)),
                Precision.FLOAT64);
        TileFiles.write(conf, dir, 0, 0, List.of(new KernelTile(KernelKind.NTK, 2, a)), Precision.FLOAT32);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement s = c.createStatement()) {
            String f64 = tmp.resolve("duck/tile-r00001-c00003.parquet").toString();
            List<String> types = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + f64 + "')")) {
                while (rs.next()) {
                    types.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
            assertEquals(List.of("kernel VARCHAR", "depth INTEGER", "block_row INTEGER", "block_col INTEGER", "row_start BIGINT",
                    "col_start BIGINT", "num_rows INTEGER", "num_cols INTEGER", "values DOUBLE[]"), types);
            try (java.sql.ResultSet rs = s.executeQuery("SELECT kernel, depth, num_rows, len(\"values\"), \"values\"[13], \"values\"[1] FROM read_parquet('"
                    + f64 + "') ORDER BY kernel DESC")) {
                assertTrue(rs.next());
                assertEquals("ntk", rs.getString(1));
                assertEquals(2, rs.getInt(2));
                assertEquals(7, rs.getInt(3));
                assertEquals(35, rs.getInt(4));
                assertEquals(a.values()[12], rs.getDouble(5), 0.0);
                assertTrue(rs.next());
                assertEquals("nngp", rs.getString(1));
                assertEquals(1, rs.getInt(4));
                assertEquals(2.5, rs.getDouble(6), 0.0);
            }
            String f32 = tmp.resolve("duck/tile-r00000-c00000.parquet").toString();
            try (java.sql.ResultSet rs = s.executeQuery("SELECT typeof(\"values\"), \"values\"[35] FROM read_parquet('" + f32 + "')")) {
                assertTrue(rs.next());
                assertEquals("FLOAT[]", rs.getString(1));
                assertEquals((float) a.values()[34], rs.getFloat(2), 0.0f);
            }
        }
    }

    @Test
    void theFooterCarriesEachValuesPagesMinimumAndMaximum() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = dir("stats");
        Tile a = tile(0, 1, 200, 97, 7);
        Tile b = tile(0, 1, 200, 97, 8);
        for (Precision p : Precision.values()) {
            TileFiles.write(conf, dir, 0, 1, List.of(new KernelTile(KernelKind.NTK, 2, a), new KernelTile(KernelKind.NNGP, 2, b)), p);
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] v : List.of(a.values(), b.values())) {
                for (double x : v) {
                    double y = p == Precision.FLOAT32 ? (float) x : x;
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
            }
            org.apache.hadoop.fs.Path f = new org.apache.hadoop.fs.Path(dir, TileFiles.fileName(0, 1));
            try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
                    org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(f, conf))) {
                var chunk = r.getFooter().getBlocks().get(0).getColumns().get(8);
                var st = chunk.getStatistics();
                assertEquals(lo, ((Number) st.genericGetMin()).doubleValue(), 0.0, p.toString());
                assertEquals(hi, ((Number) st.genericGetMax()).doubleValue(), 0.0, p.toString());
                assertEquals(2L * 200 * 97, chunk.getValueCount());
            }
        }
    }

    @Test
    void eachPagesMinimumAndMaximumWhereverTheyLie() throws Exception {
        // the writer takes a page's extremes block by block, in four interleaved chains: plant them
        // in each chain, in a later block and in the tail, and read every page's back from the
        // column index (19303 values: blocks of 4096, the last one not a multiple of four)
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = dir("pages");
        int m = 199;
        int n = 97;
        for (int at : new int[] {0, 1, 2, 3, 4097, 4098, m * n - 3, m * n - 1}) {
            Tile a = tile(0, 1, m, n, at);
            Tile b = tile(0, 1, m, n, at + 1);
            a.values()[at] = -7.25;
            a.values()[(at + 5) % (m * n)] = 6.5;
            b.values()[(at + 2) % (m * n)] = 5.75;
            b.values()[(at + 9) % (m * n)] = -8.5;
            for (Precision p : Precision.values()) {
                TileFiles.write(conf, dir, 0, 1, List.of(new KernelTile(KernelKind.NTK, 2, a), new KernelTile(KernelKind.NNGP, 2, b)), p);
                org.apache.hadoop.fs.Path f = new org.apache.hadoop.fs.Path(dir, TileFiles.fileName(0, 1));
                try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
                        org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(f, conf))) {
                    var index = r.readColumnIndex(r.getFooter().getBlocks().get(0).getColumns().get(8));
                    String what = p + ", extremes at " + at;
                    assertEquals(List.of(-7.25, -8.5), decode(index.getMinValues(), p), what);
                    assertEquals(List.of(6.5, 5.75), decode(index.getMaxValues(), p), what);
                }
            }
        }
    }

    private static List<Double> decode(List<java.nio.ByteBuffer> values, Precision p) {
        List<Double> out = new java.util.ArrayList<>();
        for (java.nio.ByteBuffer v : values) {
            java.nio.ByteBuffer le = v.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            out.add(p == Precision.FLOAT32 ? (double) le.getFloat(0) : le.getDouble(0));
        }
        return out;
    }

    @Test
    void aWriteOfRowsBeingComputedWaitsForEachRowAndStopsWhenTheComputationFails() throws Exception {
        // a computing thread fills the two outputs strip by strip (NaN until then) and reports the
        // rows it finished; the file written meanwhile holds the final values only
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = dir("ready");
        int m = 200;
        int n = 97;
        Tile want = tile(0, 1, m, n, 21);
        double[] ntk = new double[m * n];
        double[] nngp = new double[m * n];
        java.util.Arrays.fill(ntk, Double.NaN);
        java.util.Arrays.fill(nngp, Double.NaN);
        List<KernelTile> rows = List.of(new KernelTile(KernelKind.NTK, 2, new Tile(0, 1, 0, 128, m, n, ntk)),
                new KernelTile(KernelKind.NNGP, 2, new Tile(0, 1, 0, 128, m, n, nngp)));
        TileFiles.Ready ready = new TileFiles.Ready();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            var write = pool.submit(() -> TileFiles.write(conf, dir, 0, 1, rows, Precision.FLOAT64, TileWriter.AUTO, ready));
            for (int lo = 0; lo < m; lo += 30) {
                int hi = Math.min(m, lo + 30);
                Thread.sleep(3);
                for (int k = lo * n; k < hi * n; k++) {
                    ntk[k] = want.values()[k];
                    nngp[k] = -want.values()[k];
                }
                ready.rows(hi);
            }
            write.get();
            List<KernelTile> back = TileFiles.read(conf, new org.apache.hadoop.fs.Path(dir, TileFiles.fileName(0, 1)));
            assertArrayEquals(want.values(), back.get(0).tile().values(), 0.0);
            for (int k = 0; k < m * n; k++) {
                assertEquals(-want.values()[k], back.get(1).tile().values()[k], 0.0);
            }

            // a failed computation: the write ends with its cause, and leaves no file
            TileFiles.Ready failing = new TileFiles.Ready();
            var broken = pool.submit(() -> TileFiles.write(conf, dir, 0, 2, rows, Precision.FLOAT64, TileWriter.AUTO, failing));
            failing.rows(30);
            failing.fail(new IllegalStateException("boom"));
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, broken::get);
            assertTrue(e.getCause() instanceof java.io.IOException && e.getCause().getMessage().contains("boom"), String.valueOf(e.getCause()));
            assertTrue(!Files.exists(tmp.resolve("ready").resolve(TileFiles.fileName(0, 2))));
            try (var left = Files.list(tmp.resolve("ready").resolve(TileFiles.TMP_DIR))) {
                assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The writer tells which outputs it has finished reading (a Gram task then reuses their arrays
     * for its next tile while the last output is still being written): not before the rows are
     * computed, and arrays overwritten once awaitWritten returns do not reach the file. A failed
     * write releases every output too, so a waiting task never hangs, and a failure told after all
     * rows are final still stops the write.
     */
    @Test
    void theWriterTellsWhichOutputsItHasFinishedReading() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path dir = dir("written");
        int m = 1500;
        int n = 700; // 8.4 MB per output: the overwrite below races the writer if it is told too early
        Tile want = tile(1, 2, m, n, 5);
        double[][] values = {want.values().clone(), want.values().clone(), want.values().clone()};
        List<KernelTile> rows = List.of(new KernelTile(KernelKind.NTK, 1, new Tile(1, 2, 0, 0, m, n, values[0])),
                new KernelTile(KernelKind.NTK, 3, new Tile(1, 2, 0, 0, m, n, values[1])),
                new KernelTile(KernelKind.NNGP, 3, new Tile(1, 2, 0, 0, m, n, values[2])));
        TileFiles.Ready ready = new TileFiles.Ready();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var write = pool.submit(() -> TileFiles.write(conf, dir, 1, 2, rows, Precision.FLOAT64, TileWriter.AUTO, ready));
            var first = pool.submit(() -> {
                ready.awaitWritten(1);
                return null;
            });
            Thread.sleep(200);
            assertTrue(!first.isDone(), "an output was reported read before any of its rows were computed");
            ready.rows(m);
            ready.awaitWritten(2);
            java.util.Arrays.fill(values[0], Double.NaN); // the next tile's computation, as far as the writer knows
            java.util.Arrays.fill(values[1], Double.NaN);
            write.get();
            first.get();
            List<KernelTile> back = TileFiles.read(conf, new org.apache.hadoop.fs.Path(dir, TileFiles.fileName(1, 2)));
            for (int o = 0; o < 3; o++) {
                assertArrayEquals(want.values(), back.get(o).tile().values(), 0.0, "output " + o);
            }

            TileFiles.Ready failing = new TileFiles.Ready();
            var broken = pool.submit(() -> TileFiles.write(conf, dir, 1, 3, rows, Precision.FLOAT64, TileWriter.AUTO, failing));
            failing.fail(new IllegalStateException("boom"));
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> failing.awaitWritten(3));
            org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, broken::get);

            // a task that fails after computing (its rows all final) stops the write too: the thread's
            // next task reuses the arrays, so nothing may be read from them afterwards
            TileFiles.Ready cancelled = new TileFiles.Ready();
            cancelled.rows(m);
            cancelled.fail(new java.util.concurrent.CancellationException("task failed"));
            var stopped = pool.submit(() -> TileFiles.write(conf, dir, 1, 4, rows, Precision.FLOAT64, TileWriter.AUTO, cancelled));
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, stopped::get);
            assertTrue(e.getCause().getMessage().contains("task failed"), String.valueOf(e.getCause()));
            assertTrue(!Files.exists(tmp.resolve("written").resolve(TileFiles.fileName(1, 4))));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void levelEncoding() throws Exception {
        // ULEB128(3 << 1) = 0x06 value 0; ULEB128(200 << 1) = 0x90 0x03 value 1
        byte[] b = TileFiles.levels(new int[] {3, 200}, new int[] {0, 1}).toByteArray();
        assertArrayEquals(new byte[] {5, 0, 0, 0, 0x06, 0, (byte) 0x90, 0x03, 1}, b);
    }

    @Test
    void names() {
        assertEquals("tile-r00003-c00012.parquet", TileFiles.fileName(3, 12));
        assertArrayEquals(new int[] {3, 12}, TileFiles.parseName("tile-r00003-c00012.parquet"));
        assertArrayEquals(new int[] {123456, 7}, TileFiles.parseName(TileFiles.fileName(123456, 7)));
        assertNull(TileFiles.parseName("tile-r00003-c00012.parquet.1234"));
        assertNull(TileFiles.parseName("_SUCCESS"));
    }
}
