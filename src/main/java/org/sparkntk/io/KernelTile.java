package org.sparkntk.io;

/** One row of a tile file: a tile of one kernel at one depth. */
public record KernelTile(KernelKind kernel, int depth, Tile tile) {
}
