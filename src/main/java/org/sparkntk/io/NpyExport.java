package org.sparkntk.io;

import org.sparkntk.spec.KernelKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.sparkntk.spec.UserError;

/**
 * Assembles one kernel at one depth of a gram output as a dense float64 NumPy {@code .npy} file
 * (format 1.0, {@code '<f8'}, C order), mirroring the upper-triangle tiles of a symmetric Gram.
 *
 * <p>Tiles are streamed: each tile row is written at its place in the file with a positional
 * write, so the JVM holds one tile at a time, not the matrix; the limit is the file size
 * ({@code maxBytes}) and the free disk space. The file is written under a hidden temporary name
 * and moved into place when every tile has been seen.
 */
public final class NpyExport {

    /** Default limit on the matrix size: 2 GiB (N = 16384 in float64). */
    public static final long DEFAULT_MAX_BYTES = 2L << 30;

    /** What was written. */
    public record Result(java.nio.file.Path file, long rows, long cols, long tiles, long bytes, double seconds) {
    }

    private NpyExport() {
    }

    /** Bytes of the dense matrix's data (no header). */
    public static long matrixBytes(KernelDir dir) {
        return Math.multiplyExact(Math.multiplyExact(dir.n(), dir.n2()), 8L);
    }

    /** Refuses (UserError) when the dense matrix is larger than {@code maxBytes}, the free disk space, or a tile exceeds the heap. */
    public static void checkFits(KernelDir dir, String kernel, long maxBytes, java.nio.file.Path output) throws IOException {
        long bytes = matrixBytes(dir);
        String what = String.format(Locale.ROOT, "the dense %s matrix is %d x %d float64 = %s", kernel, dir.n(), dir.n2(),
                human(bytes));
        if (bytes > maxBytes) {
            throw new UserError(what + ", more than 'max-bytes' " + human(maxBytes)
                    + "; raise --max-bytes if the reader has the memory, or read the tiles directly (docs/format.md)");
        }
        java.nio.file.Path parent = output.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UserError("'output' " + output + ": folder " + parent + " does not exist");
        }
        long free = Files.getFileStore(parent).getUsableSpace();
        if (bytes + 4096 > free) {
            throw new UserError(what + " but " + parent + " has only " + human(free) + " free");
        }
        // per tile: the decoded values, a transposed row buffer and the Parquet row group (all kernels and depths)
        long perTile = 8L * dir.blockSize() * dir.blockSize();
        long need = perTile * (3 + 2L * Math.max(1, dir.kernels().size() * dir.depths().size()));
        Runtime rt = Runtime.getRuntime();
        long avail = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > avail) {
            throw new UserError(String.format(Locale.ROOT,
                    "block size %d needs about %s of JVM heap per tile but only %s is available; raise -Xmx (NTK_JAVA_OPTS)",
                    dir.blockSize(), human(need), human(avail)));
        }
    }

    /** Writes the .npy file; {@code overwrite} allows replacing an existing {@code output}. */
    public static Result export(KernelDir dir, String kernel, int depth, java.nio.file.Path output, long maxBytes,
                                boolean overwrite, Configuration conf) throws IOException {
        long t0 = System.nanoTime();
        if (Files.exists(output) && !overwrite) {
            throw new UserError("'output' " + output + " exists; pass --overwrite to replace it");
        }
        checkFits(dir, kernel, maxBytes, output);
        byte[] header = header(dir.n(), dir.n2());
        java.nio.file.Path abs = output.toAbsolutePath().normalize();
        java.nio.file.Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + System.nanoTime());
        boolean done = false;
        int rb = dir.rowBlocks();
        int cb = dir.colBlocks();
        boolean[] seen = new boolean[Math.multiplyExact(rb, cb)];
        long tiles;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(header), 0);
            long base = header.length;
            long n2 = dir.n2();
            ByteBuffer buf = ByteBuffer.allocateDirect(8 * dir.blockSize()).order(ByteOrder.LITTLE_ENDIAN);
            KernelKind kind = KernelKind.fromLabel(kernel);
            String out = dir.root().toString();
            tiles = 0;
            for (int[] ij : TileStore.listTiles(conf, out)) {
                List<KernelTile> rows = TileFiles.read(conf, TileStore.tilePath(out, ij[0], ij[1]), kind, depth);
                if (rows.size() != 1) {
                    throw new UserError("damaged kernel directory: " + TileStore.tilePath(out, ij[0], ij[1]) + " has "
                            + rows.size() + " rows of " + kernel + " at depth " + depth + " but must have 1");
                }
                Tile t = rows.get(0).tile();
                checkGeometry(dir, kernel, depth, ij, t);
                seen[t.blockRow() * cb + t.blockCol()] = true;
                for (int r = 0; r < t.numRows(); r++) {
                    buf.clear();
                    buf.asDoubleBuffer().put(t.values(), r * t.numCols(), t.numCols());
                    buf.limit(8 * t.numCols());
                    writeFully(ch, buf, base + 8 * ((t.rowStart() + r) * n2 + t.colStart()));
                }
                if (dir.symmetric() && !t.diagonal()) {
                    seen[t.blockCol() * cb + t.blockRow()] = true;
                    for (int c = 0; c < t.numCols(); c++) {
                        buf.clear();
                        for (int r = 0; r < t.numRows(); r++) {
                            buf.putDouble(t.values()[r * t.numCols() + c]);
                        }
                        buf.flip();
                        writeFully(ch, buf, base + 8 * ((t.colStart() + c) * n2 + t.rowStart()));
                    }
                }
                tiles++;
            }
            for (int i = 0; i < rb; i++) {
                for (int j = 0; j < cb; j++) {
                    if (!seen[i * cb + j]) {
                        throw new UserError(String.format(Locale.ROOT,
                                "damaged kernel directory: tile (block_row %d, block_col %d) of %s depth %d is missing from %s",
                                dir.symmetric() ? Math.min(i, j) : i, dir.symmetric() ? Math.max(i, j) : j, kernel, depth,
                                dir.tiles()));
                    }
                }
            }
            ch.force(false);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Result(abs, dir.n(), dir.n2(), tiles, Files.size(abs), (System.nanoTime() - t0) / 1e9);
    }

    /** A tile's place must agree with the manifest's block size, or entries would land in the wrong place. */
    private static void checkGeometry(KernelDir dir, String kernel, int depth, int[] fileIj, Tile t) {
        int i = t.blockRow();
        int j = t.blockCol();
        boolean ok = i == fileIj[0] && j == fileIj[1] && i >= 0 && i < dir.rowBlocks() && j >= 0 && j < dir.colBlocks()
                && t.rowStart() == (long) i * dir.blockSize() && t.colStart() == (long) j * dir.blockSize()
                && t.numRows() == dir.rowsIn(i) && t.numCols() == dir.colsIn(j)
                && (!dir.symmetric() || i <= j);
        if (!ok) {
            throw new UserError(String.format(Locale.ROOT,
                    "damaged kernel directory: tile %s depth %d in %s (block_row %d, block_col %d, row_start %d, col_start %d, %d x %d)"
                            + " does not fit N=%d, N2=%d, block_size=%d%s",
                    kernel, depth, TileFiles.fileName(fileIj[0], fileIj[1]), i, j, t.rowStart(), t.colStart(), t.numRows(), t.numCols(),
                    dir.n(), dir.n2(),
                    dir.blockSize(), dir.symmetric() ? ", symmetric (block_row <= block_col)" : ""));
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    /**
     * The .npy 1.0 header: magic, version, little-endian header length, then the dict padded with
     * spaces and ended by a newline so the data starts at a multiple of 64 bytes (NumPy's format spec).
     */
    public static byte[] header(long rows, long cols) {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = 10 + dict.length() + 1;
        int len = dict.length() + (64 - unpadded % 64) % 64 + 1;
        byte[] h = new byte[10 + len];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (len & 0xff), (byte) (len >>> 8)};
        System.arraycopy(magic, 0, h, 0, 10);
        byte[] d = dict.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(d, 0, h, 10, d.length);
        for (int i = 10 + d.length; i < h.length - 1; i++) {
            h[i] = ' ';
        }
        h[h.length - 1] = '\n';
        return h;
    }

    /** "2.0 GiB". */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, u[i]);
    }
}
