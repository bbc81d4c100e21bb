package org.sparkntk.cli;

import java.util.concurrent.Callable;
import org.sparkntk.gram.GramJob;
import org.sparkntk.gram.GramRequest;
import org.sparkntk.gram.GramResult;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.InputOptions;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.KernelOptions;
import org.sparkntk.options.SparkOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntk gram}: the NTK/NNGP block matrix of Parquet vectors (docs/design.md, docs/format.md). */
@Command(name = "gram", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compute the NTK / NNGP kernel matrix of the rows of --input (or --input x --input2) on Spark.",
                "Writes OUT/tiles/ (Parquet tiles), OUT/index/ (row -> id) and OUT/kernel.json (last, when complete)."})
final class GramCommand implements Callable<Integer> {

    @Mixin
    InputOptions input;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "Output folder (must not exist unless --overwrite or --resume).")
    String output;

    @Mixin
    KernelOptions kernel;

    @Option(names = "--overwrite", description = "Delete an existing OUT (after the input validated) and recompute.")
    boolean overwrite;

    @Option(names = "--resume", description = "Finish an interrupted run into OUT: same spec and input required; computes only missing tiles.")
    boolean resume;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        InputConfig in = input.toConfig();
        KernelConfig k = kernel.toConfig();
        GramRequest req = new GramRequest(in, k, output, overwrite, resume);
        if (spark.localMaster()) {
            GramJob.startWarmUp(k); // on the core the SparkContext start-up leaves idle (docs/design.md)
        }
        try (SparkOptions.Session s = spark.session("spark-ntk gram")) {
            GramResult r = GramJob.run(s.spark(), req);
            System.out.println(r.summary());
        }
        return 0;
    }
}
