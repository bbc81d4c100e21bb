package org.sparkntk.regress;

import org.sparkntk.spec.UserError;

/**
 * {@code --solver nystrom}'s settings: M centres, how they are picked, and the seed that makes
 * the pick reproducible.
 */
public record NystromSettings(int centers, Centers.Selection selection, long seed) {

    /** Default {@code --seed}. */
    public static final long DEFAULT_SEED = 42L;

    public NystromSettings {
        if (centers < 1) {
            throw new UserError("'centers' is " + centers + " but must be >= 1");
        }
        if (selection == null) {
            selection = Centers.Selection.UNIFORM;
        }
    }

    /** Refuses M above the number of training rows. */
    public void checkRows(long n) {
        if (centers > n) {
            throw new UserError("'centers' is " + centers + " but must be <= N = " + n + " (the rows of --train)");
        }
    }
}
