package org.sparkntk.gram;

import java.io.Serializable;

/**
 * One input row after reading: its matrix index (input order), its id (the id column's value, or
 * the index), its features, and what is wrong with it (null when nothing).
 */
public record InputRow(long index, Object id, double[] x, String problem) implements Serializable {
}
