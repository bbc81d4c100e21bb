package org.sparkntk.io;

import org.sparkntk.spec.KernelKind;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.cli.Main;

/** ntk export: the .npy read back by a parser written here from NumPy's format spec, and every refusal with exit 2. */
class ExportTest {

    @TempDir
    Path tmp;

    /** A .npy file parsed per NumPy's format spec (NEP 1), independently of NpyExport. */
    record Npy(String descr, boolean fortran, long rows, long cols, int dataOffset, double[] data) {

        static Npy read(Path f) throws IOException {
            byte[] b = Files.readAllBytes(f);
            assertEquals((byte) 0x93, b[0]);
            assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
            assertEquals(1, b[6], "major version");
            assertEquals(0, b[7], "minor version");
            int hlen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
            String h = new String(b, 10, hlen, StandardCharsets.US_ASCII);
            assertTrue(h.endsWith("\n"), "header ends with a newline");
            int off = 10 + hlen;
            assertEquals(0, off % 64, "data aligned to 64 bytes");
            Matcher m = Pattern.compile("\\{'descr': '([^']*)', 'fortran_order': (True|False), 'shape': \\((\\d+), (\\d+)\\), \\} *\n")
                    .matcher(h);
            assertTrue(m.matches(), "header dict: " + h);
            long rows = Long.parseLong(m.group(3));
            long cols = Long.parseLong(m.group(4));
            assertEquals(rows * cols * 8, b.length - off, "data length");
            double[] data = new double[(int) (rows * cols)];
            ByteBuffer.wrap(b, off, b.length - off).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(data);
            return new Npy(m.group(1), m.group(2).equals("True"), rows, cols, off, data);
        }

        double get(int i, int j) {
            return data[(int) (i * cols + j)];
        }
    }

    record Run(int code, String err) {
    }

    static Run run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    private void assertMatches(double[][] want, Npy npy) {
        assertEquals("<f8", npy.descr());
        assertFalse(npy.fortran());
        assertEquals(want.length, npy.rows());
        assertEquals(want[0].length, npy.cols());
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[0].length; j++) {
                assertEquals(want[i][j], npy.get(i, j), 0.0, "entry (" + i + "," + j + ")");
            }
        }
    }

    @Test
    void symmetricRaggedBlocksMirrorTheUpperTiles() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 23, -1, 5, List.of("ntk", "nngp"), List.of(1, 3), false, true);
        Path npy = tmp.resolve("K.npy");
        Run r = run("export", "--gram", out.toString(), "--kernel", "nngp", "--depth", "3", "--output", npy.toString());
        assertEquals(0, r.code(), r.err());
        assertMatches(TileFixtures.dense("nngp", 3, 23, 23, true, false), Npy.read(npy));
        // and the values in the tiles themselves, read with the tile reader
        Npy back = Npy.read(npy);
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        int tiles = 0;
        for (int[] ij : TileStore.listTiles(conf, out.toString())) {
            Tile t = TileStore.readTile(conf, out.toString(), ij[0], ij[1], KernelKind.NNGP, 3);
            for (int a = 0; a < t.numRows(); a++) {
                for (int c = 0; c < t.numCols(); c++) {
                    assertEquals(t.get(a, c), back.get((int) t.rowStart() + a, (int) t.colStart() + c), 0.0);
                    assertEquals(t.get(a, c), back.get((int) t.colStart() + c, (int) t.rowStart() + a), 0.0);
                }
            }
            tiles++;
        }
        assertEquals(15, tiles); // 5 row blocks: 5 * 6 / 2 upper tiles
        try (var files = Files.list(tmp)) {
            assertEquals(List.of("K.npy", "out"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left behind");
        }
    }

    @Test
    void singleDepthIsTheDefaultAndFloat32IsWidened() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 9, -1, 4, List.of("ntk", "nngp"), List.of(2), true, true);
        Path npy = tmp.resolve("K.npy");
        Run r = run("export", "--gram", out.toString(), "--output", npy.toString());
        assertEquals(0, r.code(), r.err());
        assertMatches(TileFixtures.dense("ntk", 2, 9, 9, true, true), Npy.read(npy));
    }

    @Test
    void crossKernelHasAllTiles() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 11, 7, 4, List.of("ntk"), List.of(1, 2), false, true);
        Path npy = tmp.resolve("K.npy");
        Run r = run("export", "--gram", out.toString(), "--depth", "2", "--output", npy.toString());
        assertEquals(0, r.code(), r.err());
        assertMatches(TileFixtures.dense("ntk", 2, 11, 7, false, false), Npy.read(npy));
    }

    @Test
    void headerIsPaddedTo64Bytes() {
        for (long n : new long[] {1, 9, 99999, 123456789012L}) {
            byte[] h = NpyExport.header(n, 3);
            assertEquals(0, h.length % 64, "n=" + n);
            assertEquals('\n', h[h.length - 1]);
            assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, Arrays.copyOf(h, 8));
        }
    }

    @Test
    void refusesIncompleteDirectory() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 9, -1, 4, List.of("ntk"), List.of(1), false, false);
        Path npy = tmp.resolve("K.npy");
        Run r = run("export", "--gram", out.toString(), "--output", npy.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("error: incomplete kernel directory: " + out + " has no kernel.json (gram writes it last; the run"
                + " did not finish, or this is not a gram output)", r.err().strip());
        assertFalse(Files.exists(npy));
    }

    @Test
    void refusesWhatWasNotComputed() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 9, -1, 4, List.of("ntk", "nngp"), List.of(1, 3), false, true);
        String npy = tmp.resolve("K.npy").toString();

        Run r = run("export", "--gram", out.toString(), "--kernel", "ntx", "--depth", "1", "--output", npy);
        assertEquals(2, r.code());
        assertEquals("error: 'kernel' is 'ntx' but kernel ntx was not computed; " + out
                + " has kernels ntk, nngp at depths 1, 3; did you mean 'ntk'?", r.err().strip());

        r = run("export", "--gram", out.toString(), "--depth", "2", "--output", npy);
        assertEquals(2, r.code());
        assertEquals("error: 'depth' is 2 but depth 2 was not computed; " + out + " has kernels ntk, nngp at depths 1, 3",
                r.err().strip());

        r = run("export", "--gram", out.toString(), "--output", npy);
        assertEquals(2, r.code());
        assertEquals("error: 'depth' is required: " + out + " has kernels ntk, nngp at depths 1, 3; pass --depth L",
                r.err().strip());
        assertFalse(Files.exists(Path.of(npy)));
    }

    @Test
    void refusesTooLargeExistingOrBadOptions() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 100, -1, 32, List.of("ntk"), List.of(1), false, true);
        Path npy = tmp.resolve("K.npy");

        Run r = run("export", "--gram", out.toString(), "--max-bytes", "64k", "--output", npy.toString());
        assertEquals(2, r.code());
        assertEquals("error: the dense ntk matrix is 100 x 100 float64 = 78.1 KiB, more than 'max-bytes' 64.0 KiB;"
                + " raise --max-bytes if the reader has the memory, or read the tiles directly (docs/format.md)", r.err().strip());
        assertFalse(Files.exists(npy));

        r = run("export", "--gram", out.toString(), "--max-bytes", "lots", "--output", npy.toString());
        assertEquals(2, r.code());
        assertEquals("error: 'max-bytes' is 'lots' but must be a positive size such as 2147483648, 512m or 2g", r.err().strip());

        r = run("export", "--gram", out.toString(), "--format", "csv", "--output", npy.toString());
        assertEquals(2, r.code());
        assertEquals("error: 'format' is 'csv' but must be npy", r.err().strip());

        Files.writeString(npy, "keep me");
        r = run("export", "--gram", out.toString(), "--output", npy.toString());
        assertEquals(2, r.code());
        assertEquals("error: 'output' " + npy + " exists; pass --overwrite to replace it", r.err().strip());
        assertEquals("keep me", Files.readString(npy));
        r = run("export", "--gram", out.toString(), "--output", npy.toString(), "--overwrite");
        assertEquals(0, r.code(), r.err());
        assertEquals(100, Npy.read(npy).rows());

        r = run("export", "--gram", tmp.resolve("nothing").toString(), "--output", npy.toString());
        assertEquals(2, r.code());
        assertEquals("error: 'gram' " + tmp.resolve("nothing") + " does not exist", r.err().strip());

        r = run("export", "--gram", out.toString(), "--output", npy.toString(), "--dpeth", "1");
        assertEquals(2, r.code());
        assertEquals("error: unknown option '--dpeth'; did you mean '--depth'?", r.err().strip().lines().findFirst().orElse(""));
    }

    @Test
    void refusesMissingTile() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 9, -1, 4, List.of("ntk"), List.of(1), false, true);
        Files.delete(out.resolve("tiles/tile-r00001-c00002.parquet"));
        Path npy = tmp.resolve("K.npy");
        Run r = run("export", "--gram", out.toString(), "--output", npy.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("error: damaged kernel directory: tile (block_row 1, block_col 2) of ntk depth 1 is missing from "
                + new org.apache.hadoop.fs.Path(out.resolve("tiles").toString()), r.err().strip());
        assertFalse(Files.exists(npy));
    }

    /** The old spelling (--kernel OUT, --name KIND) still works for one release, with a warning naming the new one. */
    @Test
    void oldSpellingWorksWithAWarning() throws IOException {
        Path out = tmp.resolve("out");
        TileFixtures.write(out, 9, -1, 4, List.of("ntk", "nngp"), List.of(1), false, true);
        Path npy = tmp.resolve("K.npy");
        Run r = run("export", "--kernel", out.toString(), "--name", "nngp", "--output", npy.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("warning: 'ntk export --kernel DIR' is deprecated: give the folder as --gram DIR; --kernel names the kernel,"
                + " ntk or nngp, as in 'ntk regress'\nwarning: '--name' is deprecated: use --kernel nngp", r.err().strip());
        assertEquals(9, Npy.read(npy).rows());
        r = run("export", "--gram", out.toString(), "--kernel", out.toString(), "--output", npy.toString(), "--overwrite");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: 'kernel' is '" + out + "' but kernel " + out + " was not computed"), r.err());
        r = run("export", "--output", npy.toString(), "--overwrite");
        assertEquals("error: 'gram' is missing; give --gram DIR, the output folder of 'ntk gram'", r.err().strip());
    }
}
