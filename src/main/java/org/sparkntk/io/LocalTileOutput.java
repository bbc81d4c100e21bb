package org.sparkntk.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import com.sun.nio.file.ExtendedOpenOption;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet {@link OutputFile} for a file on the local disk, written through a {@link FileChannel}
 * from a reusable direct buffer in large chunks (docs/design.md, "Tile files"). In its direct mode
 * (the Gram job's {@code -Dntk.tile.writer=direct}, {@link TileWriter}) the channel is opened with
 * O_DIRECT: the device reads the buffer by DMA, with no copy into the page cache. Through the page
 * cache it writes 2-5x faster than Hadoop's stream alone but was slower inside the Gram job, so
 * that mode is not used by the job (docs/benchmarks.md, "Tile writes: the direct-buffer writer"). Hadoop's local
 * file system writes a tile through a checksummer, a 4 KiB buffered stream and
 * {@code FileOutputStream}, i.e. one system call per 4.6 KB; a plain {@code FileOutputStream} given
 * a large array mallocs and page-faults a native copy of it on every call. Here the bytes are
 * copied once into the buffer and handed to the kernel from there.
 *
 * <p>With {@code bytesPerSum > 0} the stream also writes the checksum file Hadoop's
 * {@code LocalFileSystem} keeps beside the data ({@code .NAME.crc}: "crc\0", the chunk size, then
 * one big-endian CRC32 per chunk, the last chunk possibly short), so reading the file through
 * Hadoop still verifies it and a rename through Hadoop moves the checksums along.
 */
public final class LocalTileOutput implements OutputFile {

    /** Bytes handed to the kernel per write call. */
    public static final int DEFAULT_CHUNK = 4 << 20;

    private static final byte[] CRC_MAGIC = {'c', 'r', 'c', 0};

    /** Bytes copied into the buffer per step, checksummed right after while they are in cache. */
    private static final int STEP = 64 << 10;

    private final Path file;
    private final int bytesPerSum;
    private final int chunk;
    private final boolean sync;
    /** O_DIRECT block size (file offsets, lengths and the buffer's address are multiples), or 0: page cache. */
    private final int align;

    /**
     * @param file        the file (created or replaced)
     * @param bytesPerSum Hadoop checksum chunk size, or 0 for no checksum file
     * @param chunk       bytes per write call (a multiple of 4096)
     * @param sync        whether close() forces the data to the device (fdatasync)
     */
    public LocalTileOutput(Path file, int bytesPerSum, int chunk, boolean sync) {
        this(file, bytesPerSum, chunk, sync, 0);
    }

    private LocalTileOutput(Path file, int bytesPerSum, int chunk, boolean sync, int align) {
        if (chunk <= 0 || chunk % 4096 != 0) {
            throw new IllegalArgumentException("chunk " + chunk + " must be a positive multiple of 4096");
        }
        if (align != 0 && (Integer.bitCount(align) != 1 || chunk % align != 0)) {
            throw new IllegalArgumentException("O_DIRECT block size " + align + " must be a power of two dividing the chunk " + chunk);
        }
        this.file = file;
        this.bytesPerSum = bytesPerSum;
        this.chunk = chunk;
        this.sync = sync;
        this.align = align;
    }

    /**
     * A writer of {@code file} with O_DIRECT and {@link #DEFAULT_CHUNK} writes, aligned to the block
     * size of the file system holding {@code file}'s folder ({@link #directBlockSize}); whether that
     * file system accepts O_DIRECT is {@link #acceptsDirect}'s question, asked before.
     */
    public static LocalTileOutput direct(Path file, int bytesPerSum) throws IOException {
        Files.createDirectories(file.getParent());
        int align = directBlockSize(file.getParent());
        return new LocalTileOutput(file, bytesPerSum, Math.max(DEFAULT_CHUNK, align), false, align);
    }

    /**
     * The alignment O_DIRECT needs in {@code dir}: its file store's block size, the same number the
     * JDK checks a direct channel's positions, lengths and buffer addresses against; 4096 where the
     * store does not say.
     */
    static int directBlockSize(Path dir) throws IOException {
        long b;
        try {
            b = Files.getFileStore(dir).getBlockSize();
        } catch (UnsupportedOperationException e) {
            b = 4096;
        }
        return b > 0 && b <= DEFAULT_CHUNK && Long.bitCount(b) == 1 ? (int) b : 4096;
    }

    /**
     * Whether the file system of {@code dir} (created if missing) takes O_DIRECT writes: a probe file
     * there is opened with O_DIRECT, one aligned block written, and deleted. False where the open or
     * the write is refused (EINVAL: e.g. tmpfs before Linux 6.6, some FUSE and network file systems),
     * or the platform has no O_DIRECT.
     */
    public static boolean acceptsDirect(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path probe = dir.resolve(".ntk-direct-probe-" + java.util.UUID.randomUUID());
        try {
            int align = directBlockSize(dir);
            ByteBuffer b = ByteBuffer.allocateDirect(2 * align).alignedSlice(align).limit(align);
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT)) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    /** Whether this writer bypasses the page cache (O_DIRECT). */
    public boolean isDirect() {
        return align != 0;
    }

    /** The checksum file Hadoop's LocalFileSystem keeps for {@code file}: {@code .NAME.crc} beside it. */
    public static Path checksumFile(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".crc");
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
        return createOrOverwrite(blockSizeHint);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
        Files.createDirectories(file.getParent());
        return new Stream();
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return file.toString();
    }

    /**
     * This thread's direct buffer, reused from file to file (tile tasks write one file at a time per
     * thread); a stream takes it and gives it back on close, so two streams open at once in one
     * thread get two buffers.
     */
    private static final ThreadLocal<ByteBuffer> BUFFER = new ThreadLocal<>();

    private ByteBuffer takeBuffer() {
        ByteBuffer b = BUFFER.get();
        BUFFER.remove();
        if (b == null || b.capacity() != chunk || align != 0 && b.alignmentOffset(0, align) != 0) {
            // O_DIRECT: the device reads the buffer itself, so its address must be block-aligned
            b = align == 0 ? ByteBuffer.allocateDirect(chunk)
                    : ByteBuffer.allocateDirect(chunk + align).alignedSlice(align).limit(chunk).slice();
        }
        b.clear();
        return b;
    }

    private final class Stream extends PositionOutputStream {
        private final FileChannel ch;
        private final ByteBuffer buf;
        private final CRC32 crc = new CRC32();
        private ByteBuffer sums;
        /** A second view of {@code buf} for the checksums, and how far into {@code buf} they reach. */
        private final ByteBuffer crcView;
        private int summed;
        private int inChunk;
        private long pos;
        private boolean closed;

        Stream() throws IOException {
            ch = align == 0
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                    : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                            ExtendedOpenOption.DIRECT);
            buf = takeBuffer();
            crcView = buf.duplicate();
            if (bytesPerSum > 0) {
                sums = ByteBuffer.allocate(4096).order(ByteOrder.BIG_ENDIAN);
                sums.put(CRC_MAGIC).putInt(bytesPerSum);
            }
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void write(int b) throws IOException {
            if (!buf.hasRemaining()) {
                drain();
            }
            buf.put((byte) b);
            pos++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (!buf.hasRemaining()) {
                    drain();
                }
                int n = Math.min(Math.min(len, buf.remaining()), STEP);
                buf.put(b, off, n);
                if (sums != null) { // while the bytes are in cache, not in a second pass over the buffer
                    checksum(summed, buf.position());
                }
                off += n;
                len -= n;
                pos += n;
            }
        }

        /**
         * Checksums and writes what the buffer holds; the buffer is empty afterwards. With O_DIRECT
         * only a full buffer or the last bytes at close are written: a write must cover whole
         * blocks, so the last one is padded with zeros (not checksummed) and cut off by close's truncate.
         */
        private void drain() throws IOException {
            buf.flip();
            if (sums != null) {
                checksum(summed, buf.limit());
            }
            summed = 0;
            if (align != 0) {
                int end = buf.limit();
                int padded = (end + align - 1) & -align;
                buf.limit(padded);
                for (int i = end; i < padded; i++) {
                    buf.put(i, (byte) 0);
                }
            }
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        /** Adds buffer bytes [from, to) to the checksums; {@code summed} becomes {@code to}. */
        private void checksum(int from, int to) {
            ByteBuffer data = crcView.limit(to).position(from);
            summed = to;
            while (data.hasRemaining()) {
                int n = Math.min(data.remaining(), bytesPerSum - inChunk);
                int lim = data.limit();
                data.limit(data.position() + n);
                crc.update(data);
                data.limit(lim);
                inChunk += n;
                if (inChunk == bytesPerSum) {
                    endChunk();
                }
            }
        }

        private void endChunk() {
            if (sums.remaining() < 4) {
                sums = ByteBuffer.allocate(sums.capacity() * 2).order(ByteOrder.BIG_ENDIAN).put(sums.flip());
            }
            sums.putInt((int) crc.getValue());
            crc.reset();
            inChunk = 0;
        }

        @Override
        public void flush() throws IOException {
            if (align == 0) { // O_DIRECT: a partial block waits for close (see drain)
                drain();
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try (FileChannel c = ch) {
                drain();
                if (align != 0 && c.size() != pos) {
                    c.truncate(pos); // the padding of the last block; ftruncate needs no alignment
                }
                if (sync) {
                    c.force(false);
                }
            } finally {
                buf.clear();
                BUFFER.set(buf);
            }
            if (sums != null) {
                if (inChunk > 0) {
                    endChunk();
                }
                Files.write(checksumFile(file), java.util.Arrays.copyOf(sums.array(), sums.position()));
            }
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
