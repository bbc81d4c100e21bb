package org.sparkntk.select;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scored grid and the choice of the best configuration: the best score (highest accuracy,
 * lowest rmse/nll); ties broken towards the smaller depth, then the larger ridge, then the
 * order of the grid (kernels, bias stds, weight stds as given). docs/select.md, "Choosing".
 */
public final class Selection {

    private Selection() {
    }

    /** One configuration's row of OUT/selection/ (docs/format.md). */
    public record Row(String activation, double weightStd, double biasStd, String kernel, int depth, double ridge, double lambda,
                      String metric, double score, double scoreStd, int folds, int gridIndex) {

        /** The row as a JSON object (selection.json's {@code best}). */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("activation", activation);
            m.put("weight_std", weightStd);
            m.put("bias_std", biasStd);
            m.put("kernel", kernel);
            m.put("depth", depth);
            m.put("ridge", ridge);
            m.put("lambda", lambda);
            m.put("metric", metric);
            m.put("score", score);
            m.put("score_std", scoreStd);
            m.put("folds", folds);
            return m;
        }
    }

    /** Best first: score, then smaller depth, then larger ridge, then grid order. */
    public static Comparator<Row> order(Metric metric) {
        Comparator<Row> byScore = Comparator.comparingDouble(Row::score);
        if (metric.higherIsBetter()) {
            byScore = byScore.reversed();
        }
        return byScore.thenComparingInt(Row::depth)
                .thenComparing(Comparator.comparingDouble(Row::ridge).reversed())
                .thenComparingInt(Row::gridIndex);
    }

    /** The best row (NaN scores rank last). */
    public static Row best(List<Row> rows, Metric metric) {
        return sorted(rows, metric).get(0);
    }

    /** All rows best first; rows with a NaN score at the end. */
    public static List<Row> sorted(List<Row> rows, Metric metric) {
        List<Row> ok = new ArrayList<>();
        List<Row> nan = new ArrayList<>();
        for (Row r : rows) {
            (Double.isNaN(r.score()) ? nan : ok).add(r);
        }
        ok.sort(order(metric));
        ok.addAll(nan);
        return ok;
    }

    /** The best ridge of every (kernel, depth, bias std, weight std), in grid order. */
    public static List<Row> bestPerDepth(List<Row> rows, Metric metric) {
        Map<String, Row> best = new LinkedHashMap<>();
        Comparator<Row> o = order(metric);
        for (Row r : rows) {
            String key = r.kernel() + "|" + r.depth() + "|" + r.biasStd() + "|" + r.weightStd();
            Row b = best.get(key);
            if (b == null || (!Double.isNaN(r.score()) && (Double.isNaN(b.score()) || o.compare(r, b) < 0))) {
                best.put(key, r);
            }
        }
        return new ArrayList<>(best.values());
    }

    /** A fixed-width text table of rows. */
    public static List<String> table(List<Row> rows) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%-10s %8s %8s %-5s %5s %10s %12s %-8s %10s %10s %6s", "activation", "w_std", "b_std",
                "kern", "depth", "ridge", "lambda", "metric", "score", "score_std", "folds"));
        for (Row r : rows) {
            out.add(String.format(Locale.ROOT, "%-10s %8.4g %8.4g %-5s %5d %10.3g %12.5g %-8s %10.6g %10.4g %6d", r.activation(),
                    r.weightStd(), r.biasStd(), r.kernel(), r.depth(), r.ridge(), r.lambda(), r.metric(), r.score(), r.scoreStd(),
                    r.folds()));
        }
        return out;
    }
}
