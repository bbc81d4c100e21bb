package org.sparkntk.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet {@link OutputFile} for a file on the local disk, written through a {@link FileChannel}
 * from a reusable direct buffer in large chunks (docs/design.md, "Tile files"). Not what the Gram
 * job uses: alone it writes 2-5x faster than Hadoop's stream, inside the job it was slower (the
 * basis for an O_DIRECT writer, docs/benchmarks.md). Hadoop's local
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

    private final Path file;
    private final int bytesPerSum;
    private final int chunk;
    private final boolean sync;

    /**
     * @param file        the file (created or replaced)
     * @param bytesPerSum Hadoop checksum chunk size, or 0 for no checksum file
     * @param chunk       bytes per write call (a multiple of 4096)
     * @param sync        whether close() forces the data to the device (fdatasync)
     */
    public LocalTileOutput(Path file, int bytesPerSum, int chunk, boolean sync) {
        if (chunk <= 0 || chunk % 4096 != 0) {
            throw new IllegalArgumentException("chunk " + chunk + " must be a positive multiple of 4096");
        }
        this.file = file;
        this.bytesPerSum = bytesPerSum;
        this.chunk = chunk;
        this.sync = sync;
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
        if (b == null || b.capacity() != chunk) {
            b = ByteBuffer.allocateDirect(chunk);
        }
        b.clear();
        return b;
    }

    private final class Stream extends PositionOutputStream {
        private final FileChannel ch;
        private final ByteBuffer buf;
        private final CRC32 crc = new CRC32();
        private ByteBuffer sums;
        private int inChunk;
        private long pos;
        private boolean closed;

        Stream() throws IOException {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            buf = takeBuffer();
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
                int n = Math.min(len, buf.remaining());
                buf.put(b, off, n);
                off += n;
                len -= n;
                pos += n;
            }
        }

        /** Checksums and writes what the buffer holds; the buffer is empty afterwards. */
        private void drain() throws IOException {
            buf.flip();
            if (sums != null) {
                checksum(buf.duplicate());
            }
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        private void checksum(ByteBuffer data) {
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
            drain();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try (FileChannel c = ch) {
                drain();
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
