package org.sparkntk.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.sparkntk.options.SparkOptions;
import org.sparkntk.schedule.IncrementalRun;
import org.sparkntk.schedule.JobSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ntk run jobs/NAME.yaml}: bring a precomputed kernel up to date with its input (docs/scheduling.md). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a declarative gram job spec (YAML, the same option names as 'ntk gram').",
                "Idempotent: computes OUT when it does not exist, finishes an interrupted run, does nothing when",
                "nothing changed, appends when the input gained files; refuses (exit 2) when the spec changed or",
                "earlier rows changed or vanished, unless --overwrite."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SPEC", description = "Job spec, e.g. jobs/example.yaml.")
    Path specFile;

    @Option(names = "--overwrite", description = "Recompute OUT from scratch when it cannot be updated incrementally.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        JobSpec spec = JobSpec.read(specFile);
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
        if (active != null && !active.sparkContext().isStopped()) {
            // embedded (tests, notebooks): use the caller's session and leave it running
            IncrementalRun.Outcome o = IncrementalRun.run(active, spec, overwrite);
            System.out.println(o.message());
            return 0;
        }
        SparkSession.Builder b = SparkSession.builder().appName("spark-ntk run " + specFile.getFileName());
        SparkConf existing = new SparkConf();
        String master = spec.master() != null ? spec.master()
                : existing.contains("spark.master") ? existing.get("spark.master") : SparkOptions.DEFAULT_MASTER;
        b.master(master);
        for (Map.Entry<String, String> e : spec.conf().entrySet()) {
            b.config(e.getKey(), e.getValue());
        }
        String jar = ownJar();
        if (!master.startsWith("local") && !existing.contains("spark.jars") && !spec.conf().containsKey("spark.jars")
                && jar != null) {
            b.config("spark.jars", jar); // executors need spark-ntk's classes
        }
        if (master.startsWith("local")) {
            // as 'ntk gram' does: read the input and compile the tile kernels beside the SparkContext start-up
            org.sparkntk.gram.GramJob.prefetch(spec.input());
            org.sparkntk.gram.GramJob.startWarmUp(spec.kernel());
        }
        SparkSession spark = SparkOptions.withoutMllibSessionExtension(b::getOrCreate);
        try {
            IncrementalRun.Outcome o = IncrementalRun.run(spark, spec, overwrite);
            System.out.println(o.message());
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** The jar this class was loaded from (the cluster jar next to the thin one, when it exists). */
    private static String ownJar() {
        try {
            Path p = Path.of(RunCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!p.toString().endsWith(".jar")) {
                return null;
            }
            Path cluster = p.resolveSibling("spark-ntk-cluster.jar");
            return (java.nio.file.Files.exists(cluster) ? cluster : p).toString();
        } catch (Exception e) {
            return null;
        }
    }
}
