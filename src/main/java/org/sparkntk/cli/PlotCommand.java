package org.sparkntk.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.sparkntk.io.KernelDir;
import org.sparkntk.options.SparkOptions;
import org.sparkntk.plot.KernelPictures;
import org.sparkntk.spec.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntk plot heatmap|spectrum}: PNG pictures of a gram output (docs/plots.md). */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "PNG pictures of one kernel and depth of a gram output: 'heatmap' (the matrix) or 'spectrum' (its eigenvalues).",
        subcommands = {PlotCommand.Heatmap.class, PlotCommand.Spectrum.class})
final class PlotCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing picture: heatmap or spectrum; see 'ntk plot --help'");
    }

    /** The options every picture shares: which kernel, which depth, where the PNG goes. */
    static final class Source {

        @Option(names = "--kernel", required = true, paramLabel = "OUT", description = "A gram output directory (any Hadoop path).")
        String kernelDir;

        @Option(names = "--name", paramLabel = "ntk|nngp", description = "Which kernel (default ntk, or the only one computed).")
        String name;

        @Option(names = "--depth", paramLabel = "L", description = "Which depth (default: the only depth computed; required if several).")
        Integer depth;

        @Option(names = "--output", required = true, paramLabel = "FILE.png", description = "The PNG file to write (local path).")
        String output;

        @Option(names = "--width", defaultValue = "1100", paramLabel = "PX", description = "Image width in pixels (default ${DEFAULT-VALUE}).")
        int width;

        @Option(names = "--height", defaultValue = "1000", paramLabel = "PX", description = "Image height in pixels (default ${DEFAULT-VALUE}).")
        int height;

        @Option(names = "--overwrite", description = "Replace the output file if it exists.")
        boolean overwrite;

        /** Checks the output and the image size; nothing is written yet. */
        Path checkOutput() {
            if (width < 200 || width > 8000) {
                throw new UserError("'width' is " + width + " but must be between 200 and 8000 pixels");
            }
            if (height < 200 || height > 8000) {
                throw new UserError("'height' is " + height + " but must be between 200 and 8000 pixels");
            }
            Path out = Path.of(output).toAbsolutePath();
            if (Files.exists(out) && !overwrite) {
                throw new UserError("'output' " + output + " exists; pass --overwrite to replace it");
            }
            if (out.getParent() != null && !Files.isDirectory(out.getParent())) {
                throw new UserError("'output' " + output + ": folder " + out.getParent() + " does not exist");
            }
            return out;
        }

        static void write(Path out, byte[] png) throws java.io.IOException {
            Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
            Files.write(tmp, png);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Command(name = "heatmap", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"The kernel matrix as a heat map with a colour bar. Large kernels are averaged down to at most"
                    + " --cells x --cells cells. With --order-by-label, rows and columns are sorted by label so that the"
                    + " class structure shows as blocks on the diagonal."})
    static final class Heatmap implements Callable<Integer> {

        @Mixin
        Source src;

        @Option(names = "--order-by-label", paramLabel = "TRAIN", description = "Parquet with the labels (usually the Gram's input); rows match OUT/index by id, as in 'ntk solve'.")
        String labels;

        @Option(names = "--label-col", defaultValue = "label", paramLabel = "COL", description = "Label column of TRAIN (default ${DEFAULT-VALUE}).")
        String labelCol;

        @Option(names = "--id-col", paramLabel = "COL", description = "Column of TRAIN holding the kernel's ids (default: the Gram's --id-col; without one, rows match by input order).")
        String idCol;

        @Option(names = "--cells", defaultValue = "600", paramLabel = "C",
                description = "At most C x C cells, each the mean of its entries (default ${DEFAULT-VALUE}, about the plot's pixels at the default size; at most 1000).")
        int cells;

        @Mixin
        SparkOptions spark;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (cells < 2 || cells > 1000) {
                throw new UserError("'cells' is " + cells + " but must be between 2 and 1000");
            }
            if (labels == null) {
                for (String o : new String[] {"--label-col", "--id-col"}) {
                    if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                        throw new UserError("'" + o.substring(2) + "' is given without --order-by-label TRAIN, the file it applies to");
                    }
                }
            }
            Path out = src.checkOutput();
            Configuration conf = new Configuration();
            KernelDir dir = KernelDir.open(src.kernelDir, conf);
            String kernel = dir.resolveKernel(src.name);
            int l = dir.resolveDepth(src.depth);
            org.sparkntk.io.KernelManifest m = org.sparkntk.io.TileStore.manifest(conf, src.kernelDir, kernel, l);
            long t0 = System.nanoTime();
            KernelPictures.LabelOrder order = null;
            if (labels != null) {
                try (SparkOptions.Session s = spark.session("spark-ntk plot heatmap")) {
                    order = KernelPictures.labelOrder(s.spark(), dir, m, labels, labelCol, idCol);
                }
            }
            byte[] png = KernelPictures.heatmap(conf, dir, kernel, l, order, cells, src.width, src.height);
            Source.write(out, png);
            System.out.printf(Locale.ROOT, "plot heatmap: %s depth %d, %d x %d -> %s (%.1f s)%n", kernel, l, m.n(), m.cols(), out,
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }

    @Command(name = "spectrum", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"The eigenvalues of a Gram in descending order on a log scale: how fast they decay tells how well"
                    + " a low-rank preconditioner or Nystrom will work. A dense eigendecomposition on the driver: above"
                    + " --max-rows rows, of the submatrix of R evenly spaced rows (the title says which)."})
    static final class Spectrum implements Callable<Integer> {

        @Mixin
        Source src;

        @Option(names = "--max-rows", defaultValue = "2000", paramLabel = "R",
                description = "Decompose at most R rows (default ${DEFAULT-VALUE}: a few seconds with native LAPACK; 9 R^3 flops, 8 R^2 bytes x 3).")
        int maxRows;

        @Override
        public Integer call() throws Exception {
            if (maxRows < 2 || maxRows > 20000) {
                throw new UserError("'max-rows' is " + maxRows + " but must be between 2 and 20000");
            }
            Path out = src.checkOutput();
            Configuration conf = new Configuration();
            KernelDir dir = KernelDir.open(src.kernelDir, conf);
            String kernel = dir.resolveKernel(src.name);
            int l = dir.resolveDepth(src.depth);
            long t0 = System.nanoTime();
            KernelPictures.Spectrum s = KernelPictures.spectrum(conf, dir, kernel, l, maxRows);
            Source.write(out, KernelPictures.spectrumPng(s, kernel, l, src.width, src.height));
            System.out.printf(Locale.ROOT, "plot spectrum: %s depth %d, %d of %d rows, largest %.4g, smallest %.4g, dsyevd %s %.1f s -> %s (%.1f s)%n",
                    kernel, l, s.rows(), s.n(), s.descending()[0], s.descending()[s.rows() - 1], s.lapack(), s.seconds(), out,
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }
}
