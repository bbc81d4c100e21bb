package org.sparkntk.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.sparkntk.spec.UserError;

/** IDX files written byte by byte here, plain and gzip. */
public class IdxTest {

    /** A ubyte IDX file with the given dimensions and values. */
    public static byte[] idx(int[] dims, int[] values, boolean gzip) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        OutputStream os = gzip ? new GZIPOutputStream(bos) : bos;
        DataOutputStream out = new DataOutputStream(os);
        out.writeByte(0);
        out.writeByte(0);
        out.writeByte(0x08);
        out.writeByte(dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        for (int v : values) {
            out.writeByte(v);
        }
        out.close();
        return bos.toByteArray();
    }

    @Test
    void readsPlainAndGzip() throws IOException {
        int[] px = {0, 255, 128, 1, 2, 3, 250, 251};
        for (boolean gz : new boolean[] {false, true}) {
            Idx.Array a = Idx.read(new ByteArrayInputStream(idx(new int[] {2, 2, 2}, px, gz)), "test");
            assertEquals(2, a.count());
            assertEquals(4, a.itemSize());
            assertArrayEquals(new double[] {0, 1, 128 / 255.0, 1 / 255.0}, a.item(0, 255), 0);
            assertArrayEquals(new double[] {2, 3, 250, 251}, a.item(1, 1), 0);
        }
    }

    @Test
    void refusesBadMagicAndTruncation() throws IOException {
        byte[] bad = {1, 2, 3, 4, 5};
        UserError e = assertThrows(UserError.class, () -> Idx.read(new ByteArrayInputStream(bad), "x.idx"));
        assertTrue(e.getMessage().startsWith("x.idx is not an IDX file (magic 01 02 03 04"), e.getMessage());
        byte[] ok = idx(new int[] {3, 2}, new int[] {1, 2, 3, 4, 5, 6}, false);
        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 2);
        UserError t = assertThrows(UserError.class, () -> Idx.read(new ByteArrayInputStream(cut), "y.idx"));
        assertEquals("y.idx is truncated (fewer bytes than its IDX header promises)", t.getMessage());
    }
}
