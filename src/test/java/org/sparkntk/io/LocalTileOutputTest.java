package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.Precision;

/**
 * The local tile writer against Hadoop's own LocalFileSystem stream as the truth: the same tile
 * rows written both ways give byte-identical data files and byte-identical {@code .crc} files, and
 * Hadoop's checksumming reader rejects a corrupted byte of a file written here.
 */
class LocalTileOutputTest {

    @TempDir
    Path tmp;

    private static List<KernelTile> rows() {
        // odd sizes: pages, checksum chunks and write chunks all end at different offsets
        return List.of(new KernelTile(KernelKind.NTK, 3, TileFilesTest.tile(1, 4, 131, 97, 5)),
                new KernelTile(KernelKind.NNGP, 3, TileFilesTest.tile(1, 4, 131, 97, 6)));
    }

    private static org.apache.hadoop.fs.Path hp(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    @Test
    void sameBytesAndChecksumsAsHadoopsLocalFileSystem() throws Exception {
        // 4096-byte write chunks with 500-byte checksum chunks: chunk boundaries fall inside a
        // checksum chunk, and 1000 and 512 (Hadoop's default) besides
        for (int bytesPerSum : new int[] {500, 512, 1000}) {
            Configuration conf = new Configuration();
            conf.setInt("file.bytes-per-checksum", bytesPerSum);
            conf.setBoolean("fs.file.impl.disable.cache", true); // HadoopOutputFile's FS sees this conf
            LocalFileSystem fs = (LocalFileSystem) FileSystem.newInstance(hp(tmp).toUri(), conf);
            try {
                Path ref = tmp.resolve("ref-" + bytesPerSum + ".parquet");
                Path mine = tmp.resolve("mine-" + bytesPerSum + ".parquet");
                TileFiles.writeFile(HadoopOutputFile.fromPath(hp(ref), conf), rows(), Precision.FLOAT64);
                TileFiles.writeFile(new LocalTileOutput(mine, fs.getBytesPerSum(), 4096, false), rows(), Precision.FLOAT64);
                assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(mine), "data, bytesPerSum " + bytesPerSum);
                Path refCrc = LocalTileOutput.checksumFile(ref);
                assertTrue(Files.exists(refCrc), "Hadoop wrote " + refCrc);
                assertArrayEquals(Files.readAllBytes(refCrc), Files.readAllBytes(LocalTileOutput.checksumFile(mine)),
                        "checksums, bytesPerSum " + bytesPerSum);
            } finally {
                fs.close();
            }
        }
    }

    @Test
    void hadoopsReaderRejectsACorruptedByte() throws Exception {
        Configuration conf = new Configuration();
        Path f = tmp.resolve("t.parquet");
        TileFiles.writeFile(new LocalTileOutput(f, 512, 1 << 20, true), rows(), Precision.FLOAT64);
        FileSystem fs = FileSystem.getLocal(conf);
        byte[] good = Files.readAllBytes(f);
        assertEquals(rows().get(0).tile().values()[0], TileFiles.read(conf, hp(f)).get(0).tile().values()[0], 0.0);
        byte[] bad = good.clone();
        bad[good.length / 2] ^= 1;
        Files.write(f, bad);
        ChecksumException e = assertThrows(ChecksumException.class, () -> {
            try (FSDataInputStream in = fs.open(hp(f))) {
                in.readFully(new byte[good.length]);
            }
        });
        assertTrue(e.getMessage().contains("Checksum error"), e.getMessage());
    }

    @Test
    void twoStreamsOpenInOneThreadDoNotShareABuffer() throws Exception {
        Path a = tmp.resolve("a.bin");
        Path b = tmp.resolve("b.bin");
        byte[] x = new byte[10000];
        byte[] y = new byte[10000];
        java.util.Arrays.fill(x, (byte) 1);
        java.util.Arrays.fill(y, (byte) 2);
        try (var sa = new LocalTileOutput(a, 0, 4096, false).create(0);
             var sb = new LocalTileOutput(b, 0, 4096, false).create(0)) {
            for (int k = 0; k < x.length; k += 1000) {
                sa.write(x, k, 1000);
                sb.write(y, k, 1000);
            }
            assertEquals(x.length, sa.getPos());
        }
        assertArrayEquals(x, Files.readAllBytes(a));
        assertArrayEquals(y, Files.readAllBytes(b));
    }

    @Test
    void chunkMustBeAMultipleOf4096() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LocalTileOutput(tmp.resolve("x"), 512, 1000, false));
        assertEquals("chunk 1000 must be a positive multiple of 4096", e.getMessage());
    }
}
