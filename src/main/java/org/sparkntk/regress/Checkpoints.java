package org.sparkntk.regress;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkntk.solve.PcgState;

/** PCG state under {@code DIR/_checkpoint/pcg-state.bin}, written to a temporary name and renamed. */
public final class Checkpoints {

    /** Folder of the solver checkpoint inside an output. */
    public static final String DIR = "_checkpoint";
    static final String FILE = "pcg-state.bin";

    private Checkpoints() {
    }

    static Path path(String out) {
        return new Path(new Path(out, DIR), FILE);
    }

    /** Saves the state (replacing an older one). */
    public static void save(Configuration conf, String out, PcgState st) throws IOException {
        Path p = path(out);
        FileSystem fs = p.getFileSystem(conf);
        Path tmp = new Path(p.getParent(), FILE + ".tmp");
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(fs.create(tmp, true), 1 << 20))) {
            st.write(o);
        }
        fs.delete(p, false);
        if (!fs.rename(tmp, p)) {
            throw new IOException("could not rename " + tmp + " to " + p);
        }
    }

    /** The saved state, or null when there is none. */
    public static PcgState load(Configuration conf, String out) throws IOException {
        Path p = path(out);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(p), 1 << 20))) {
            return PcgState.read(in);
        }
    }

    /** Deletes the checkpoint folder. */
    public static void clear(Configuration conf, String out) throws IOException {
        Path p = new Path(out, DIR);
        p.getFileSystem(conf).delete(p, true);
    }
}
