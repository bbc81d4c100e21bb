package org.sparkntk.gram;

import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.spec.UserError;

/**
 * A Gram job: inputs, kernel, output folder and what to do when it exists.
 *
 * @param overwrite delete an existing OUT (after the input validated) and recompute
 * @param resume    finish an interrupted run: check its _plan.json, compute only missing tiles
 * @param keepBlocks tiles whose row and column blocks are both below this are valid in the result
 *                   being extended ({@code ntk run} appending rows, docs/scheduling.md): they are
 *                   neither computed nor expected in OUT. 0 for a normal job.
 */
public record GramRequest(InputConfig input, KernelConfig kernel, String output, boolean overwrite, boolean resume,
                          int keepBlocks) {

    /** A normal job (nothing kept from elsewhere). */
    public GramRequest(InputConfig input, KernelConfig kernel, String output, boolean overwrite, boolean resume) {
        this(input, kernel, output, overwrite, resume, 0);
    }

    public GramRequest {
        checkOutput(output, overwrite, resume);
        if (keepBlocks < 0) {
            throw new IllegalArgumentException("keepBlocks is " + keepBlocks + " but must be >= 0");
        }
    }

    /**
     * The checks of the output options alone, before any input is known (the Java API checks them
     * when they are given, as the CLI does before Spark starts).
     *
     * @throws UserError for a missing output or both overwrite and resume
     */
    public static void checkOutput(String output, boolean overwrite, boolean resume) {
        if (output == null || output.isBlank()) {
            throw new UserError("'output' is missing; give a folder for the result");
        }
        if (overwrite && resume) {
            throw new UserError("give either '--overwrite' or '--resume', not both");
        }
    }
}
