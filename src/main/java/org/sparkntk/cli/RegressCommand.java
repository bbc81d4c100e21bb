package org.sparkntk.cli;

import org.sparkntk.spec.KernelKind;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.KernelOptions;
import org.sparkntk.options.Normalize;
import org.sparkntk.options.SparkOptions;
import org.sparkntk.spec.UserError;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.regress.KernelTiles;
import org.sparkntk.regress.RegressJob;
import org.sparkntk.regress.RegressRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntk regress}: NTK / NNGP kernel ridge regression from a training set to predictions on a test set. */
@Command(name = "regress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Kernel regression with the infinite-width NTK or NNGP: predictions K(test, train) (K + lambda I)^-1 Y.",
                "Writes OUT/predictions/ (Parquet) and OUT/metrics.json (last)."})
final class RegressCommand implements Callable<Integer> {

    @Mixin
    TrainingOptions data;

    @Option(names = "--test", required = true, paramLabel = "TEST", description = "Test Parquet (features; labels optional, used for metrics).")
    String test;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "Output folder.")
    String output;

    @Mixin
    KernelOptions kernel;

    @Option(names = "--kernel", defaultValue = RegressRequest.DEFAULT_KERNEL, paramLabel = "ntk|nngp", description = "Kernel to regress with (default ${DEFAULT-VALUE}).")
    String kernelKind;

    @Mixin
    SolverOptions solver;

    @Option(names = "--matrix-free", description = "Recompute the tiles from the staged input blocks on every PCG pass instead of caching K.")
    boolean matrixFree;

    @Option(names = "--overwrite", description = "Replace a complete result in OUT.")
    boolean overwrite;

    @Mixin
    SparkOptions spark;

    /** Rows per block when --block-size is not given. */
    static final int DEFAULT_BLOCK_SIZE = RegressRequest.DEFAULT_BLOCK_SIZE;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegressCommand.class);

    @Override
    public Integer call() throws Exception {
        solver.validate();
        List<String> storage = kernel.storageOptionsGiven();
        if (!storage.isEmpty()) {
            throw new UserError("'" + String.join("' and '", storage) + (storage.size() == 1 ? "' does" : "' do")
                    + " not apply to regress: it computes one kernel"
                    + " (choose it with --kernel ntk|nngp), keeps it in float64 and stores no tiles; use 'ntk gram' to store kernels");
        }
        KernelConfig kc = kernel.toConfig();
        if (kc.kernel().depths().size() != 1) {
            throw new UserError("'depths' lists " + kc.kernel().depths() + "; regress uses one depth, give --depth L");
        }
        NetworkSpec spec = kc.kernel().network();
        int blockSize = kernel.blockSizeGiven() ? kc.blockSize() : DEFAULT_BLOCK_SIZE;
        List<String> labels = data.labels();
        RegressRequest req = new RegressRequest(data.train, test, labels, data.featuresCol, data.idCol, output, spec,
                KernelKind.parse("kernel", kernelKind), data.task(), solver.ridge(),
                solver.solverKind(), solver.tol(), solver.maxIter, solver.preconditionerRank(), matrixFree,
                blockSize, overwrite, solver.checkpointEvery, solver.maxDriverBytes(), Normalize.parse(data.normalize),
                solver.cachePrecision(), solver.nystrom());
        if (spark.localMaster()) {
            // read the sets beside the SparkContext start-up (no tile warm-up as gram has: at 10000 x 2000
            // a third thread slowed the session's start more than it sped up the tiles)
            RegressJob.prefetch(req);
        }
        long up0 = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        try (SparkOptions.Session s = spark.session("spark-ntk regress")) {
            long up1 = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            LOG.info(String.format(java.util.Locale.ROOT, "JVM started in %.2f s, Spark session in %.2f s", up0 / 1e3, (up1 - up0) / 1e3));
            RegressJob.run(s.spark(), req);
        } finally {
            RegressJob.dropPrefetches();
        }
        return 0;
    }
}
