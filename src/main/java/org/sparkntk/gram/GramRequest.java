package org.sparkntk.gram;

import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.options.UserError;

/**
 * A Gram job: inputs, kernel, output folder and what to do when it exists.
 *
 * @param overwrite delete an existing OUT (after the input validated) and recompute
 * @param resume    finish an interrupted run: check its _plan.json, compute only missing tiles
 */
public record GramRequest(InputConfig input, KernelConfig kernel, String output, boolean overwrite, boolean resume) {

    public GramRequest {
        if (output == null || output.isBlank()) {
            throw new UserError("'output' is missing; give a folder for the result");
        }
        if (overwrite && resume) {
            throw new UserError("give either '--overwrite' or '--resume', not both");
        }
    }
}
