package org.sparkntk.cli;

import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.UserError;

/**
 * The stored kernel that {@code solve} and {@code export} read: the folder (--gram) and which
 * kernel (--kernel ntk|nngp, the meaning it has in {@code regress} and {@code gram --kernels}).
 * The old spellings, --kernel DIR for the folder and --name for the kernel, still work for one
 * release with a deprecation warning.
 *
 * @param dir       the output folder of {@code ntk gram}
 * @param dirOption the option that gave it ("gram", or "kernel" in the old spelling), for messages
 * @param kernel    ntk or nngp as given, or null for the command's default
 */
record GramSource(String dir, String dirOption, String kernel) {

    static final String GRAM = "gram";

    /**
     * Resolves the options as given (null: not given); warns on stderr about old spellings. Without
     * --gram, a --kernel that is not ntk or nngp is the folder (the old spelling); with --gram the
     * command checks --kernel against the kernels stored.
     */
    static GramSource of(String command, String gram, String kernel, String name) {
        String dir = gram;
        String dirOption = GRAM;
        String kind = kernel;
        if (gram == null && kernel != null && KernelKind.fromLabel(kernel) == null) {
            warn("'ntk " + command + " --kernel DIR' is deprecated: give the folder as --gram DIR; --kernel names the kernel,"
                    + " ntk or nngp, as in 'ntk regress'");
            dir = kernel;
            dirOption = "kernel";
            kind = null;
        }
        if (name != null) {
            warn("'--name' is deprecated: use --kernel " + name);
            if (kind != null && !kind.equalsIgnoreCase(name)) {
                throw new UserError("--kernel " + kind + " and --name " + name + " disagree; give --kernel only");
            }
            kind = name;
        }
        if (dir == null) {
            throw new UserError("'" + GRAM + "' is missing; give --gram DIR, the output folder of 'ntk gram'");
        }
        return new GramSource(dir, dirOption, kind);
    }

    private static void warn(String msg) {
        System.err.println("warning: " + msg);
    }
}
