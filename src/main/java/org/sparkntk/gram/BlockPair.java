package org.sparkntk.gram;

import java.io.Serializable;

/** A tile to compute: row block {@code row} against column block {@code col}. */
public record BlockPair(int row, int col) implements Serializable {
}
