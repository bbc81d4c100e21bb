package org.sparkntk.regress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.sparkntk.spec.UserError;

/**
 * Ids and label columns of a Parquet input, in input order (file path, row index: the order in
 * which {@code gram} numbers rows), on the driver: O(N outputs). For {@code solve}, whose
 * features are already in a Gram output.
 */
public record LabelTable(List<Object> ids, List<Object[]> labels, List<DataType> types, DataType idType) {

    /** Reads ids (the id column, or row numbers without one) and the label columns. */
    public static LabelTable read(SparkSession spark, String path, String role, String idCol, List<String> labelCols) {
        Dataset<Row> df;
        try {
            df = spark.read().parquet(path);
        } catch (Exception e) {
            if (e.getClass().getSimpleName().contains("AnalysisException")) {
                throw new UserError(role + " '" + path + "' cannot be read as Parquet", e);
            }
            throw e;
        }
        List<String> have = Arrays.asList(df.columns());
        for (String c : labelCols) {
            if (!have.contains(c)) {
                throw new UserError(role + " '" + path + "' has no label column '" + c + "'; columns: " + have);
            }
        }
        if (idCol != null && !have.contains(idCol)) {
            throw new UserError(role + " '" + path + "' has no id column '" + idCol + "'; columns: " + have);
        }
        List<Column> sel = new ArrayList<>();
        if (idCol != null) {
            sel.add(org.apache.spark.sql.functions.col("`" + idCol + "`"));
        }
        List<DataType> types = new ArrayList<>();
        for (String c : labelCols) {
            sel.add(org.apache.spark.sql.functions.col("`" + c + "`"));
            types.add(df.schema().apply(c).dataType());
        }
        sel.add(org.apache.spark.sql.functions.col("_metadata.file_path").as("_ntk_file"));
        sel.add(org.apache.spark.sql.functions.col("_metadata.row_index").as("_ntk_pos"));
        List<Row> rows = df.select(sel.toArray(new Column[0])).orderBy("_ntk_file", "_ntk_pos").collectAsList();
        int off = idCol == null ? 0 : 1;
        List<Object> ids = new ArrayList<>(rows.size());
        List<Object[]> labels = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            ids.add(idCol == null ? (Object) (long) i : r.get(0));
            Object[] l = new Object[labelCols.size()];
            for (int j = 0; j < l.length; j++) {
                l[j] = r.get(off + j);
            }
            labels.add(l);
        }
        DataType idType = idCol == null ? DataTypes.LongType : df.schema().apply(idCol).dataType();
        return new LabelTable(ids, labels, types, idType);
    }
}
