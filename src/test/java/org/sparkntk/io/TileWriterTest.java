package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.parquet.io.PositionOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.Precision;
import org.sparkntk.spec.UserError;

/**
 * The O_DIRECT tile writer ({@link LocalTileOutput#direct}, chosen by {@link TileWriter}) against
 * Hadoop's LocalFileSystem stream as the truth: the same bytes give byte-identical data and
 * {@code .crc} files at every size around the block and buffer boundaries, Hadoop reads them back
 * with checksum verification, the kernel reports O_DIRECT on the open file, tile files read back
 * through TileFiles and DuckDB, and where O_DIRECT cannot be used (ramfs, which refuses it, in a
 * child's private mount namespace; tmpfs on kernels before 6.6; a file system that is not the local
 * one) the writer is Hadoop's, with the same bytes.
 */
class TileWriterTest {

    @TempDir
    Path tmp;

    private static org.apache.hadoop.fs.Path hp(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    /** Writes {@code data} in uneven pieces (1 byte, then growing odd lengths) so writes straddle every boundary. */
    private static void writeUneven(OutputStream out, byte[] data) throws Exception {
        int off = 0;
        int step = 1;
        while (off < data.length) {
            int n = Math.min(step, data.length - off);
            if (n == 1) {
                out.write(data[off]);
            } else {
                out.write(data, off, n);
            }
            off += n;
            step = step * 3 + 7;
        }
    }

    @Test
    void directFilesAreByteIdenticalToHadoopsWithTheSameChecksums() throws Exception {
        int mib4 = LocalTileOutput.DEFAULT_CHUNK;
        byte[] all = new byte[13_000_000];
        new Random(15).nextBytes(all);
        Configuration conf = new Configuration();
        LocalFileSystem fs = FileSystem.getLocal(conf);
        for (int size : new int[] {0, 1, 4095, 4096, 4097, mib4 - 1, mib4, mib4 + 1, 13_000_000}) {
            byte[] data = java.util.Arrays.copyOf(all, size);
            Path ref = tmp.resolve("ref-" + size);
            Path mine = tmp.resolve("sub/direct-" + size); // a missing folder is created, as Hadoop does
            try (OutputStream o = fs.create(hp(ref))) {
                writeUneven(o, data);
            }
            LocalTileOutput direct = LocalTileOutput.direct(mine, fs.getBytesPerSum());
            assertTrue(direct.isDirect());
            Files.write(mine, new byte[9000]); // an older, longer file is replaced
            try (PositionOutputStream o = direct.createOrOverwrite(0)) {
                writeUneven(o, data);
                o.flush(); // a partial block stays buffered under O_DIRECT
                assertEquals(size, o.getPos());
            }
            assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(mine), "data, " + size + " bytes");
            assertArrayEquals(Files.readAllBytes(LocalTileOutput.checksumFile(ref)),
                    Files.readAllBytes(LocalTileOutput.checksumFile(mine)), "checksums, " + size + " bytes");
            // Hadoop's reader verifies every 512-byte chunk against the .crc file
            byte[] back = new byte[size];
            try (FSDataInputStream in = fs.open(hp(mine))) {
                in.readFully(back);
                assertEquals(-1, in.read(), "no padding left after " + size + " bytes");
            }
            assertArrayEquals(data, back);
            assertEquals(size, fs.getFileStatus(hp(mine)).getLen());
        }
    }

    @Test
    void theKernelSeesODirectOnTheOpenFile() throws Exception {
        Path f = tmp.resolve("open.bin");
        try (PositionOutputStream o = LocalTileOutput.direct(f, 512).createOrOverwrite(0)) {
            o.write(new byte[5000]);
            // the flags of the file's descriptor, from the kernel (/proc/self/fdinfo, octal; O_DIRECT = 040000 on x86 and arm64)
            int flags = -1;
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    Path target;
                    try {
                        target = Files.readSymbolicLink(fd);
                    } catch (java.io.IOException e) {
                        continue;
                    }
                    if (target.equals(f.toRealPath())) {
                        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                            if (line.startsWith("flags:")) {
                                flags = Integer.parseInt(line.substring(6).trim(), 8);
                            }
                        }
                    }
                }
            }
            assertTrue(flags >= 0, "the open file is among this process's descriptors");
            assertTrue((flags & 040000) != 0, "O_DIRECT set: flags " + Integer.toOctalString(flags));
        }
    }

    private static List<KernelTile> rows() {
        // 2 x 131 x 97 doubles (~200 KB): pages, checksum chunks and 4 KiB blocks end at different offsets
        return List.of(new KernelTile(KernelKind.NTK, 3, TileFilesTest.tile(1, 4, 131, 97, 5)),
                new KernelTile(KernelKind.NNGP, 3, TileFilesTest.tile(1, 4, 131, 97, 6)));
    }

    @Test
    void tileFilesThroughTheDirectWriterReadBackEverywhere() throws Exception {
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path hadoopDir = hp(tmp.resolve("hadoop"));
        org.apache.hadoop.fs.Path directDir = hp(tmp.resolve("direct"));
        assertEquals(TileWriter.DIRECT, TileWriter.DIRECT.resolve(conf, directDir));
        assertEquals(TileWriter.DIRECT, TileWriter.AUTO.resolve(conf, directDir));
        assertEquals(TileWriter.HADOOP, TileWriter.HADOOP.resolve(conf, directDir));
        for (Precision p : Precision.values()) {
            long a = TileFiles.write(conf, hadoopDir, 1, 4, rows(), p, TileWriter.HADOOP);
            long b = TileFiles.write(conf, directDir, 1, 4, rows(), p, TileWriter.DIRECT);
            Path fa = tmp.resolve("hadoop/tile-r00001-c00004.parquet");
            Path fb = tmp.resolve("direct/tile-r00001-c00004.parquet");
            assertEquals(a, b);
            assertArrayEquals(Files.readAllBytes(fa), Files.readAllBytes(fb), p.toString());
            assertArrayEquals(Files.readAllBytes(LocalTileOutput.checksumFile(fa)), Files.readAllBytes(LocalTileOutput.checksumFile(fb)),
                    "the .crc file moved along with the rename, " + p);
            try (var s = Files.list(tmp.resolve("direct/_tmp"))) {
                assertEquals(0, s.count(), "nothing left in _tmp (the O_DIRECT probe file included)");
            }
            List<KernelTile> back = TileFiles.read(conf, hp(fb));
            for (int k = 0; k < 2; k++) {
                double[] want = rows().get(k).tile().values();
                double[] got = back.get(k).tile().values();
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(p == Precision.FLOAT32 ? (float) want[i] : want[i], got[i], 0.0);
                }
            }
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                 java.sql.Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT kernel, len(\"values\"), \"values\"[12707] FROM read_parquet('" + fb
                         + "') ORDER BY kernel DESC")) {
                assertTrue(rs.next());
                assertEquals("ntk", rs.getString(1));
                assertEquals(131 * 97, rs.getInt(2));
                double last = rows().get(0).tile().values()[131 * 97 - 1];
                assertEquals(p == Precision.FLOAT32 ? (float) last : last, rs.getDouble(3), 0.0);
                assertTrue(rs.next());
                assertEquals("nngp", rs.getString(1));
                assertFalse(rs.next());
            }
        }
    }

    /** Whether tmpfs takes O_DIRECT on this kernel: since Linux 6.6 (commit "shmem: add support for O_DIRECT"). */
    private static boolean tmpfsTakesDirect() {
        String[] v = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(v[0]);
        int minor = Integer.parseInt(v[1]);
        return major > 6 || major == 6 && minor >= 6;
    }

    @Test
    void devShmUsesWhicheverWriterTheKernelAllowsWithTheSameBytes() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(shm) && System.getProperty("os.name").equals("Linux"),
                "needs Linux with a writable /dev/shm");
        Path dir = Files.createTempDirectory(shm, "ntk-tile-writer-");
        try {
            Configuration conf = new Configuration();
            TileWriter expected = tmpfsTakesDirect() ? TileWriter.DIRECT : TileWriter.HADOOP;
            assertEquals(expected, TileWriter.AUTO.resolve(conf, hp(dir.resolve("t"))), "kernel " + System.getProperty("os.version"));
            assertEquals(expected, TileWriter.DIRECT.resolve(conf, hp(dir.resolve("t"))));
            TileFiles.write(conf, hp(dir.resolve("t")), 1, 4, rows(), Precision.FLOAT64, TileWriter.DIRECT);
            TileFiles.write(conf, hp(tmp.resolve("ref")), 1, 4, rows(), Precision.FLOAT64, TileWriter.HADOOP);
            assertArrayEquals(Files.readAllBytes(tmp.resolve("ref/tile-r00001-c00004.parquet")),
                    Files.readAllBytes(dir.resolve("t/tile-r00001-c00004.parquet")));
            assertArrayEquals(rows().get(1).tile().values(),
                    TileFiles.read(conf, hp(dir.resolve("t/tile-r00001-c00004.parquet"))).get(1).tile().values(), 0.0);
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aFileSystemRefusingODirectGetsHadoopsStream() throws Exception {
        // ramfs refuses O_DIRECT (EINVAL at open) on every kernel; it is mounted in a private mount
        // namespace of a child process (root, or unprivileged user namespaces, needed), where the
        // child writes a tile through the direct writer and copies the result out
        Path mnt = Files.createDirectories(tmp.resolve("ramfs"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t ramfs none \"$0\" || exit 97; exec \"$2\" -cp \"$3\" \"$4\" \"$0\" \"$1\"",
                mnt.toString(), out.toString(), javaBin, System.getProperty("java.class.path"), RamfsChild.class.getName());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no unshare: " + e.getMessage());
            return;
        }
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        org.junit.jupiter.api.Assumptions.assumeTrue(code != 97 && !log.contains("unshare: "), "cannot mount ramfs here: " + log);
        assertEquals(0, code, log);
        assertTrue(log.contains("probe refused, resolved hadoop"), log);
        assertTrue(log.contains("WARN TileWriter: tile writer: hadoop (-Dntk.tile.writer=direct, but the file system refuses O_DIRECT"), log);
        // the reference comes from the same child JVM: parquet-hadoop writes a column's encodings from
        // a hash set of enum constants, whose order (identity hash codes) differs from JVM to JVM
        Path ref = out.resolve("ref/tile-r00001-c00004.parquet");
        assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(out.resolve("tile.parquet")));
        assertArrayEquals(Files.readAllBytes(LocalTileOutput.checksumFile(ref)), Files.readAllBytes(out.resolve("tile.parquet.crc")));
    }

    /** The child of {@link #aFileSystemRefusingODirectGetsHadoopsStream}: args ramfs folder, output folder. */
    public static final class RamfsChild {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]).resolve("t");
            Configuration conf = new Configuration();
            boolean probe = LocalTileOutput.acceptsDirect(dir);
            TileWriter w = TileWriter.DIRECT.resolve(conf, hp(dir));
            System.out.println("probe " + (probe ? "accepted" : "refused") + ", resolved " + w.label());
            TileFiles.write(conf, hp(dir), 1, 4, rows(), Precision.FLOAT64, TileWriter.DIRECT);
            Path f = dir.resolve("tile-r00001-c00004.parquet");
            Files.copy(f, Path.of(args[1], "tile.parquet"));
            Files.copy(LocalTileOutput.checksumFile(f), Path.of(args[1], "tile.parquet.crc"));
            TileFiles.write(conf, hp(Path.of(args[1], "ref")), 1, 4, rows(), Precision.FLOAT64, TileWriter.HADOOP);
        }
    }

    @Test
    void aFileSystemThatIsNotLocalGetsHadoopsStream() throws Exception {
        // Hadoop's in-JVM view file system over the local disk is not the local file system itself:
        // direct is not attempted through it, and the file written is Hadoop's
        Configuration conf = new Configuration();
        Path real = tmp.resolve("real");
        Files.createDirectories(real);
        org.apache.hadoop.fs.viewfs.ConfigUtil.addLink(conf, "/v", real.toUri());
        org.apache.hadoop.fs.Path v = new org.apache.hadoop.fs.Path("viewfs:///v/tiles");
        assertEquals(TileWriter.HADOOP, TileWriter.DIRECT.resolve(conf, v));
        assertEquals(TileWriter.HADOOP, TileWriter.AUTO.resolve(conf, v));
        TileFiles.write(conf, v, 0, 0, rows(), Precision.FLOAT64, TileWriter.DIRECT);
        TileFiles.write(conf, hp(tmp.resolve("ref")), 0, 0, rows(), Precision.FLOAT64, TileWriter.HADOOP);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("ref/tile-r00000-c00000.parquet")),
                Files.readAllBytes(real.resolve("tiles/tile-r00000-c00000.parquet")));
    }

    @Test
    void thePropertyNamesTheWriter() {
        String old = System.getProperty(TileWriter.PROPERTY);
        try {
            System.clearProperty(TileWriter.PROPERTY);
            assertEquals(TileWriter.AUTO, TileWriter.configured());
            System.setProperty(TileWriter.PROPERTY, "hadoop");
            assertEquals(TileWriter.HADOOP, TileWriter.configured());
            System.setProperty(TileWriter.PROPERTY, "Direct");
            assertEquals(TileWriter.DIRECT, TileWriter.configured());
            System.setProperty(TileWriter.PROPERTY, " auto ");
            assertEquals(TileWriter.AUTO, TileWriter.configured());
            System.setProperty(TileWriter.PROPERTY, "odirect");
            UserError e = assertThrows(UserError.class, TileWriter::configured);
            assertEquals("-Dntk.tile.writer=odirect is not a tile writer: use auto, hadoop or direct", e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(TileWriter.PROPERTY);
            } else {
                System.setProperty(TileWriter.PROPERTY, old);
            }
        }
    }
}
