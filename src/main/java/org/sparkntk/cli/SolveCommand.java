package org.sparkntk.cli;

import org.sparkntk.spec.KernelKind;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.SparkOptions;
import org.sparkntk.regress.Fitter;
import org.sparkntk.regress.SolveJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntk solve}: kernel regression coefficients from a precomputed Gram output, saved as a model. */
@Command(name = "solve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Solve (K + lambda I) alpha = Y with K a Gram output of 'ntk gram' and Y from --labels.",
                "Writes MODEL/coefficients/ (Parquet) and MODEL/model.json (last); use it with 'ntk predict --model MODEL'."})
final class SolveCommand implements Callable<Integer> {

    @Option(names = "--" + GramSource.GRAM, paramLabel = "GDIR",
            description = "Output folder of 'ntk gram' (a symmetric Gram of the training set).")
    String gram;

    @Option(names = "--labels", required = true, paramLabel = "TRAIN", description = "Parquet with the labels (usually the Gram's input).")
    String labels;

    @Option(names = "--label-col", required = true, paramLabel = "COL[,COL...]", description = "Label column(s).")
    String labelCol;

    @Option(names = "--" + InputConfig.ID_COL, paramLabel = "COL",
            description = "Column of TRAIN holding the kernel's ids (default: the Gram's --id-col; without one, rows match by input order).")
    String idCol;

    @Option(names = "--output", required = true, paramLabel = "MODEL", description = "Model folder.")
    String output;

    @Option(names = "--kernel", paramLabel = "ntk|nngp", description = "Which stored kernel (default ntk). "
            + "'--kernel GDIR' (the folder) still works, deprecated.")
    String kernel;

    @Option(names = "--name", paramLabel = "ntk|nngp", hidden = true, description = "Deprecated: --kernel.")
    String name;

    @Option(names = "--" + KernelConfig.DEPTH, paramLabel = "L", description = "Which stored depth (default: the deepest).")
    Integer depth;

    @Option(names = "--" + KernelConfig.ACTIVATION, paramLabel = "NAME", description = "If given, must match the kernel's activation.")
    String activation;

    @Option(names = "--" + KernelConfig.WEIGHT_STD, paramLabel = "SIGMA_W", description = "If given, must match the kernel's.")
    Double weightStd;

    @Option(names = "--" + KernelConfig.BIAS_STD, paramLabel = "BETA", description = "If given, must match the kernel's.")
    Double biasStd;

    @Option(names = "--task", defaultValue = "auto", paramLabel = "auto|classification|regression", description = "Default ${DEFAULT-VALUE}.")
    String task;

    @Mixin
    SolverOptions solver;

    @Option(names = "--overwrite", description = "Replace a complete model in MODEL.")
    boolean overwrite;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() throws Exception {
        solver.validate();
        org.sparkntk.solve.TaskChoice taskChoice = org.sparkntk.solve.TaskChoice.parse(task);
        if (solver.solverKind() == org.sparkntk.regress.SolverChoice.Kind.NYSTROM) {
            throw new org.sparkntk.spec.UserError("'solver' nystrom works with 'ntk regress' only: it computes K(X, C) from the"
                    + " features, and 'ntk solve' reads a stored Gram; use cholesky, pcg or auto here");
        }
        List<String> cols = Arrays.stream(labelCol.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        GramSource src = GramSource.of("solve", gram, kernel, name);
        String kind = KernelKind.parse("kernel", src.kernel() == null ? "ntk" : src.kernel()).label();
        Fitter.Options fo = new Fitter.Options(solver.ridge(), solver.solverKind(), solver.tol(), solver.maxIter,
                solver.preconditionerRank(), solver.checkpointEvery, solver.maxDriverBytes(), output);
        SolveJob.Request req = new SolveJob.Request(src.dir(), labels, cols, idCol, output, kind,
                depth, activation, weightStd, biasStd, taskChoice, fo, overwrite);
        try (SparkOptions.Session s = spark.session("spark-ntk solve")) {
            SolveJob.run(s.spark(), req);
        }
        return 0;
    }
}
