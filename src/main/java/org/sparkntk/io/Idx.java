package org.sparkntk.io;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.sparkntk.spec.UserError;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (gzip-compressed or not, detected by the
 * gzip magic 1f 8b): two zero bytes, a type byte (08 unsigned byte, 09 signed byte, 0B short,
 * 0C int, 0D float, 0E double), the number of dimensions, the dimensions as big-endian int32,
 * then the values big-endian in row-major order.
 */
public final class Idx {

    /** An IDX array: its type code, dimensions and raw big-endian values. */
    public record Array(int type, int[] dims, byte[] data) implements java.io.Serializable {

        /** Number of items (the first dimension). */
        public int count() {
            return dims.length == 0 ? 1 : dims[0];
        }

        /** Values per item (product of the other dimensions). */
        public int itemSize() {
            int s = 1;
            for (int i = 1; i < dims.length; i++) {
                s *= dims[i];
            }
            return s;
        }

        /** Value number i (flat index) as a double. */
        public double value(long i) {
            return switch (type) {
                case 0x08 -> data[(int) i] & 0xFF;
                case 0x09 -> data[(int) i];
                case 0x0B -> ByteBuffer.wrap(data).getShort((int) (2 * i));
                case 0x0C -> ByteBuffer.wrap(data).getInt((int) (4 * i));
                case 0x0D -> ByteBuffer.wrap(data).getFloat((int) (4 * i));
                case 0x0E -> ByteBuffer.wrap(data).getDouble((int) (8 * i));
                default -> throw new IllegalStateException("type " + type);
            };
        }

        /** Item i's values, each divided by {@code scale}. */
        public double[] item(int i, double scale) {
            int s = itemSize();
            double[] out = new double[s];
            long base = (long) i * s;
            for (int j = 0; j < s; j++) {
                out[j] = value(base + j) / scale;
            }
            return out;
        }

        /** Item i of a one-dimensional array as an int (labels). */
        public int intValue(int i) {
            return (int) value(i);
        }

        @Override
        public String toString() {
            return "IDX type 0x" + Integer.toHexString(type) + " dims " + Arrays.toString(dims);
        }
    }

    private Idx() {
    }

    static int bytesPerValue(int type) {
        return switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            case 0x0E -> 8;
            default -> -1;
        };
    }

    /** Reads an IDX stream; {@code what} names it in error messages (e.g. the file). */
    public static Array read(InputStream raw, String what) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        InputStream body = (b0 == 0x1f && b1 == 0x8b) ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
        DataInputStream data = new DataInputStream(body);
        try {
            int z0 = data.readUnsignedByte();
            int z1 = data.readUnsignedByte();
            int type = data.readUnsignedByte();
            int nd = data.readUnsignedByte();
            if (z0 != 0 || z1 != 0 || bytesPerValue(type) < 0 || nd == 0) {
                throw new UserError(what + " is not an IDX file (magic " + String.format("%02x %02x %02x %02x", z0, z1, type, nd)
                        + "; expected 00 00 <type 08|09|0b|0c|0d|0e> <dims>, gzip-compressed or not)");
            }
            int[] dims = new int[nd];
            long total = 1;
            for (int i = 0; i < nd; i++) {
                dims[i] = data.readInt();
                if (dims[i] < 0) {
                    throw new UserError(what + ": IDX dimension " + i + " is negative");
                }
                total *= dims[i];
            }
            long bytes = total * bytesPerValue(type);
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new UserError(what + ": IDX array of " + bytes + " bytes is too large to import in one piece");
            }
            byte[] buf = new byte[(int) bytes];
            data.readFully(buf);
            return new Array(type, dims, buf);
        } catch (EOFException e) {
            throw new UserError(what + " is truncated (fewer bytes than its IDX header promises)", e);
        }
    }
}
