package org.sparkntk.ml;

import org.apache.spark.ml.util.Identifiable$;

/**
 * Hands a stage's uid to its {@code uid()} while Spark's superclass constructor runs: Spark's
 * shared params (featuresCol, ...) are created there and record {@code uid()} as their parent,
 * before a Java subclass has assigned any field. The constructor stashes the uid in an argument
 * of {@code this(...)}, which Java evaluates before the superclass constructor.
 */
final class Uid {

    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

    private Uid() {
    }

    /** A new random uid with this prefix, as Spark's own stages name themselves. */
    static String random(String prefix) {
        return Identifiable$.MODULE$.randomUID(prefix);
    }

    /** Stashes the uid for {@link #take} (call in the argument list of {@code this(...)}). */
    static String stash(String uid) {
        PENDING.set(uid);
        return uid;
    }

    /** The stashed uid (once), or null when none is pending. */
    static String take() {
        String u = PENDING.get();
        PENDING.remove();
        return u;
    }
}
