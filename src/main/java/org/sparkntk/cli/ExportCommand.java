package org.sparkntk.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.sparkntk.io.KernelDir;
import org.sparkntk.io.NpyExport;
import org.sparkntk.spec.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ntk export}: one kernel at one depth of a gram output as a dense float64 .npy matrix. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Assemble the dense N x N (or N x N2) float64 matrix of one kernel and depth from OUT/tiles"
                + " as a NumPy .npy file (np.load reads it). Row/column i is row i of OUT/index (OUT/index2 for columns"
                + " of a cross kernel). Tiles are streamed, so the JVM needs memory for one tile, not the matrix."})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--" + GramSource.GRAM, paramLabel = "OUT", description = "A gram output directory (any Hadoop path).")
    String gram;

    @Option(names = "--kernel", paramLabel = "ntk|nngp", description = "Which kernel (default ntk, or the only one computed). "
            + "'--kernel OUT' (the folder) still works, deprecated.")
    String kernel;

    @Option(names = "--name", paramLabel = "ntk|nngp", hidden = true, description = "Deprecated: --kernel.")
    String name;

    @Option(names = "--depth", description = "Which depth L (default: the only depth computed; required if several).")
    Integer depth;

    @Option(names = "--format", defaultValue = "npy", description = "Output format; only npy (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--output", required = true, description = "The .npy file to write (local path).")
    String output;

    @Option(names = "--max-bytes", defaultValue = "2g", description = "Refuse a matrix larger than this: bytes, or with k/m/g/t (binary) suffix; default ${DEFAULT-VALUE}.")
    String maxBytes;

    @Option(names = "--overwrite", description = "Replace the output file if it exists.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("npy")) {
            throw new UserError("'format' is '" + format + "' but must be npy");
        }
        long max = parseBytes("max-bytes", maxBytes);
        Configuration conf = new Configuration();
        GramSource src = GramSource.of("export", gram, this.kernel, name);
        KernelDir dir = KernelDir.open(src.dirOption(), src.dir(), conf);
        String kernel = dir.resolveKernel(name != null ? "name" : "kernel", src.kernel());
        int l = dir.resolveDepth(depth);
        NpyExport.Result r = NpyExport.export(dir, kernel, l, java.nio.file.Path.of(output), max, overwrite, conf);
        System.out.printf(Locale.ROOT, "export: %s depth %d, %d x %d float64 from %d tiles -> %s (%s, %.1f s)%n",
                kernel, l, r.rows(), r.cols(), r.tiles(), r.file(), NpyExport.human(r.bytes()), r.seconds());
        return 0;
    }

    /** "2g" -> 2 GiB; plain numbers are bytes. */
    static long parseBytes(String option, String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> shift = 0;
            }
        }
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(digits);
            if (v <= 0 || v > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return v << shift;
        } catch (NumberFormatException e) {
            throw new UserError("'" + option + "' is '" + s + "' but must be a positive size such as 2147483648, 512m or 2g");
        }
    }
}
