package org.sparkntk.cli;

import java.util.concurrent.Callable;
import org.sparkntk.api.KernelResult;
import org.sparkntk.api.NtkKernels;
import org.sparkntk.api.NtkSpec;
import org.sparkntk.gram.GramJob;
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

    /** Options -> spec -> the Java API's call (docs/api.md): the command and the API are one code path. */
    @Override
    public Integer call() throws Exception {
        InputConfig in = input.toConfig();
        KernelConfig k = kernel.toConfig();
        NtkKernels api = NtkKernels.of(NtkSpec.of(k, in)).output(output, overwrite, resume); // checked before Spark starts
        if (spark.localMaster()) {
            // beside the SparkContext start-up (docs/design.md, "Reading without Spark SQL"): read the input, compile the tile kernels
            GramJob.prefetch(in);
            GramJob.startWarmUp(k);
        }
        try (SparkOptions.Session s = spark.session("spark-ntk gram")) {
            KernelResult r = in.cross() ? api.cross(s.spark(), in.input(), in.input2()) : api.gram(s.spark(), in.input());
            System.out.println(r.summary().summary());
        }
        return 0;
    }
}
