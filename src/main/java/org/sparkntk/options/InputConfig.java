package org.sparkntk.options;

import org.sparkntk.spec.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparkntk.kernel.Suggest;

/**
 * Where the vectors come from, validated: Parquet path(s) on any Hadoop file system, the feature
 * column (array&lt;double&gt;, array&lt;float&gt; or ML Vector) or numeric feature columns, an optional
 * id column, and the normalization.
 *
 * @param input        Parquet file or directory (rows of the kernel)
 * @param input2       second input for a cross kernel (its columns), or null
 * @param featuresCol  the vector column (used when featuresCols is null)
 * @param featuresCols numeric columns forming the vector, or null
 * @param idCol        integral or string id column, or null for the row index
 * @param normalize    per-row / per-column normalization
 */
public record InputConfig(String input, String input2, String featuresCol, List<String> featuresCols, String idCol,
                          Normalize normalize) {

    public static final String INPUT = "input";
    public static final String INPUT2 = "input2";
    public static final String FEATURES_COL = "features-col";
    public static final String FEATURES_COLS = "features-cols";
    public static final String ID_COL = "id-col";
    public static final String NORMALIZE = "normalize";
    public static final String DEFAULT_FEATURES_COL = "features";
    public static final String DEFAULT_NORMALIZE = "none";

    /** Every key accepted by {@link #fromMap}. */
    public static final List<String> KEYS = List.of(INPUT, INPUT2, FEATURES_COL, FEATURES_COLS, ID_COL, NORMALIZE);

    public InputConfig {
        featuresCols = featuresCols == null ? null : List.copyOf(featuresCols);
    }

    /** True for a cross kernel (rows of input x rows of input2). */
    public boolean cross() {
        return input2 != null;
    }

    /** Validates and builds; null arguments mean "not given". */
    public static InputConfig of(String input, String input2, String featuresCol, String featuresCols, String idCol,
                                 String normalize) {
        if (input == null || input.isBlank()) {
            throw new UserError("'" + INPUT + "' is missing; give a Parquet file or directory");
        }
        if (input2 != null && input2.isBlank()) {
            throw new UserError("'" + INPUT2 + "' is empty; give a Parquet file or directory");
        }
        List<String> cols = null;
        if (featuresCols != null) {
            if (featuresCol != null) {
                throw new UserError("give either '" + FEATURES_COL + "' or '" + FEATURES_COLS + "', not both");
            }
            cols = new ArrayList<>();
            for (String c : featuresCols.split(",")) {
                if (!c.isBlank()) {
                    if (cols.contains(c.trim())) {
                        throw new UserError("'" + FEATURES_COLS + "' names column '" + c.trim() + "' twice");
                    }
                    cols.add(c.trim());
                }
            }
            if (cols.isEmpty()) {
                throw new UserError("'" + FEATURES_COLS + "' is empty; give e.g. x1,x2,x3");
            }
        }
        if (idCol != null && idCol.isBlank()) {
            throw new UserError("'" + ID_COL + "' is empty; give a column name or leave it out");
        }
        return new InputConfig(input, input2, featuresCol == null ? DEFAULT_FEATURES_COL : featuresCol, cols, idCol,
                Normalize.parse(normalize == null ? DEFAULT_NORMALIZE : normalize));
    }

    /** From a job-spec map with the option names as keys; unknown keys are rejected. */
    public static InputConfig fromMap(Map<String, ?> m) {
        for (String k : m.keySet()) {
            if (!KEYS.contains(k)) {
                throw new UserError("unknown option '" + k + "'" + Suggest.didYouMean(k, KEYS));
            }
        }
        Object fc = m.get(FEATURES_COLS);
        String fcs = null;
        if (fc instanceof List<?> l) {
            fcs = String.join(",", l.stream().map(Object::toString).toList());
        } else if (fc != null) {
            fcs = fc.toString();
        }
        return of(s(m.get(INPUT)), s(m.get(INPUT2)), s(m.get(FEATURES_COL)), fcs, s(m.get(ID_COL)), s(m.get(NORMALIZE)));
    }

    private static String s(Object o) {
        return o == null ? null : o.toString();
    }
}
