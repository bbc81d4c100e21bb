package org.sparkntk.regress;

import java.io.Serializable;

/** Rows start..start+rows-1 of a data set, their features row-major (rows x d). */
public record FeatureBlock(int index, long start, int rows, int d, double[] x) implements Serializable {
}
