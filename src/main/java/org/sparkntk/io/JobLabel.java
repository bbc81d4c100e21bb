package org.sparkntk.io;

import org.apache.spark.SparkContext;

/**
 * Runs driver code that starts Spark jobs under a label for the Spark UI ("spark-ntk: read input",
 * "NTK tiles 1-40/136") and puts the previous label back afterwards, also when the code throws,
 * so a label never sticks to the next, unrelated job.
 */
public final class JobLabel {

    /** The SparkContext local property that setJobDescription sets. */
    public static final String DESCRIPTION = "spark.job.description";

    private JobLabel() {
    }

    /** Driver code with a result; E is what it throws (RuntimeException when nothing checked). */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /** Driver code without a result. */
    @FunctionalInterface
    public interface Step<E extends Exception> {
        void run() throws E;
    }

    /** Runs {@code work} with the jobs it starts labelled {@code label}; returns its result. */
    public static <T, E extends Exception> T call(SparkContext sc, String label, Work<T, E> work) throws E {
        String previous = sc.getLocalProperty(DESCRIPTION);
        sc.setJobDescription(label);
        try {
            return work.run();
        } finally {
            sc.setJobDescription(previous);
        }
    }

    /** Runs {@code step} with the jobs it starts labelled {@code label}. */
    public static <E extends Exception> void run(SparkContext sc, String label, Step<E> step) throws E {
        String previous = sc.getLocalProperty(DESCRIPTION);
        sc.setJobDescription(label);
        try {
            step.run();
        } finally {
            sc.setJobDescription(previous);
        }
    }
}
