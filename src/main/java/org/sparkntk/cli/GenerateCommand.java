package org.sparkntk.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.sparkntk.io.Synthetic;
import org.sparkntk.io.SyntheticParquet;
import org.sparkntk.kernel.Suggest;
import org.sparkntk.spec.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ntk generate}: a labelled synthetic Gaussian mixture as Parquet, for demos, tests and benchmarks. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {
                "Write a labelled synthetic Gaussian mixture as one Parquet file: id, features, label (and y).",
                "K centres with N(0,1) entries; x = (centre[label] + noise*z) / sqrt(1 + noise^2), z ~ N(0, I),"
                        + " so ||x||^2/d is about 1. y = sin(w.x), w ~ N(0, I/d). Deterministic for a seed."})
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--rows", required = true, description = "Number of rows N (> 0).")
    long rows;

    @Option(names = "--dim", required = true, description = "Feature dimension d (> 0).")
    int dim;

    @Option(names = "--classes", defaultValue = "2", description = "Number of classes K (> 0, default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--noise", defaultValue = "1.0", description = "Within-class noise std relative to the centres' std (>= 0, default ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--output", required = true, description = "Parquet file to write (any Hadoop path).")
    String output;

    @Option(names = "--format", defaultValue = "array", description = "features column: array (array<double>) or vector (Spark ML dense Vector); default ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--id-type", defaultValue = "long", description = "id column: long (row number) or string ('id-' + row number); default ${DEFAULT-VALUE}.")
    String idType;

    @Option(names = "--target", description = "Also write a regression target column y = sin(w.x).")
    boolean target;

    @Option(names = "--overwrite", description = "Replace the output if it exists.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        Synthetic.Spec spec = new Synthetic.Spec(rows, dim, classes, seed, noise, target);
        SyntheticParquet.Format f = choice("format", format, SyntheticParquet.Format.class);
        SyntheticParquet.IdType t = choice("id-type", idType, SyntheticParquet.IdType.class);
        SyntheticParquet.Written w = SyntheticParquet.write(new Synthetic(spec), f, t, output, overwrite, new Configuration());
        System.out.printf(Locale.ROOT, "generate: %d rows x %d features, %d classes, seed %d -> %s (%.1f MB, %.1f s)%n",
                w.rows(), dim, classes, seed, w.path(), w.bytes() / 1e6, w.seconds());
        return 0;
    }

    /** Parses a lower-case enum option value, naming the option and the allowed values on error. */
    static <E extends Enum<E>> E choice(String option, String value, Class<E> type) {
        List<String> allowed = new java.util.ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(Locale.ROOT);
            if (name.equals(value)) {
                return e;
            }
            allowed.add(name);
        }
        throw new UserError("'" + option + "' is '" + value + "' but must be one of " + String.join(", ", allowed)
                + Suggest.didYouMean(value, allowed));
    }
}
