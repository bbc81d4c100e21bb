package org.sparkntk.cli;

import org.sparkntk.spec.BuildInfo;
import java.io.PrintWriter;
import org.sparkntk.spec.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ntk <command> [options]}: the command-line entry point, also the main class for
 * {@code spark-submit --class org.sparkntk.cli.Main spark-ntk-cluster.jar <command> ...}.
 * Exit codes: 0 success, 1 failure, 2 usage or input error.
 */
@Command(name = "ntk", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Infinite-width NTK and NNGP kernels of deep fully connected networks on Apache Spark.",
        subcommands = {
                DoctorCommand.class,
                GramCommand.class,
                RunCommand.class,
                GenerateCommand.class,
                ExportCommand.class,
                BenchCommand.class,
                ImportIdxCommand.class,
                RegressCommand.class,
                SelectCommand.class,
                PlotCommand.class,
                SolveCommand.class,
                PredictCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    /** Exit code for usage and input errors. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command; see 'ntk --help'");
    }

    /** Runs a command line and returns the exit code (used by tests, no System.exit). */
    public static int run(String... args) {
        return run(new PrintWriter(System.err, true), args);
    }

    /** As {@link #run(String...)}, with error messages ("error: ...") going to {@code err}. */
    public static int run(PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            while (t != null) {
                if (t instanceof UserError || t instanceof IllegalArgumentException && isOurs(t)) {
                    cmd.getErr().println("error: " + t.getMessage());
                    return EXIT_USAGE;
                }
                t = t.getCause();
            }
            cmd.getErr().println("failed: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        cl.setErr(err);
        int code = cl.execute(args);
        err.flush();
        return code;
    }

    /**
     * Usage errors: "unknown option '--blok-size'; did you mean '--block-size'?" (closest option of
     * the command, kernel/Suggest), else picocli's message; exit code 2.
     */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        java.io.PrintWriter err = cmd.getErr();
        String msg = ex.getMessage();
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (name.startsWith("-")) {
                java.util.List<String> names = new java.util.ArrayList<>();
                for (String o : cmd.getCommandSpec().optionsMap().keySet()) {
                    if (o.startsWith("--")) {
                        names.add(o);
                    }
                }
                msg = "unknown option '" + name + "'" + org.sparkntk.kernel.Suggest.didYouMean(name, names);
            } else if (!cmd.getSubcommands().isEmpty()) {
                msg = "unknown command '" + name + "'"
                        + org.sparkntk.kernel.Suggest.didYouMean(name, cmd.getSubcommands().keySet());
            } else {
                msg = "unexpected argument '" + arg + "'";
            }
        }
        err.println("error: " + msg);
        err.println("(see 'ntk " + (cmd.getParent() == null ? "" : cmd.getCommandName() + " ") + "--help')");
        err.flush();
        return EXIT_USAGE;
    }

    /** IllegalArgumentExceptions from spark-ntk's own validation carry user-facing messages. */
    private static boolean isOurs(Throwable t) {
        StackTraceElement[] st = t.getStackTrace();
        return st.length > 0 && st[0].getClassName().startsWith("org.sparkntk.");
    }

    public static void main(String[] args) {
        routeJavaLogging();
        try {
            DriverJit.apply();
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("jit: {}", DriverJit.state());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(EXIT_USAGE);
        }
        int code = run(args);
        if (code == 0 && inYarnClusterDriver()) {
            // the driver is a thread of YARN's ApplicationMaster, which reports any System.exit from
            // it (0 included) as the application FAILED "before final status was reported"; it
            // reports SUCCEEDED when main returns. A failure still exits, so YARN reports it FAILED.
            return;
        }
        System.exit(code);
    }

    /** Running as the driver inside a YARN ApplicationMaster (spark-submit --master yarn --deploy-mode cluster). */
    static boolean inYarnClusterDriver() {
        return "cluster".equals(System.getProperty("spark.submit.deployMode")) && System.getProperty("spark.yarn.app.id") != null;
    }

    /**
     * java.util.logging (netlib's BLAS loader, TileKernels' choice of kernels) goes through SLF4J
     * to log4j2, so it prints in the one format at the levels of conf/log4j2.properties instead of
     * JUL's two-line console format. Spark installs the same bridge, but only when its context
     * starts, after the local-mode warm-up has loaded netlib.
     */
    static void routeJavaLogging() {
        try {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        } catch (LinkageError e) {
            // no bridge on the class path: java.util.logging keeps its own console handler
        }
    }

    /** {@code ntk --verbose COMMAND}: whole stack traces in the log, and Spark's reports of failed tasks. */
    @CommandLine.Option(names = "--verbose", description = "Print whole stack traces and Spark's reports of failed tasks.")
    void verbose(boolean on) {
        if (on) {
            System.setProperty("ntk.trace", "full");
            System.setProperty("ntk.tasks.level", "warn");
            System.setProperty("ntk.tasks.traces", "NEUTRAL");
            try {
                org.apache.logging.log4j.core.config.Configurator.reconfigure();
            } catch (LinkageError e) {
                // log4j2 is not the logging backend here: nothing to reconfigure
            }
        }
    }

    /** Version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"spark-ntk " + BuildInfo.version()};
        }
    }
}
