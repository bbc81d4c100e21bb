package org.sparkntk.io;

import org.sparkntk.spec.KernelKind;

/** One row of a tile file: a tile of one kernel at one depth. */
public record KernelTile(KernelKind kernel, int depth, Tile tile) {
}
