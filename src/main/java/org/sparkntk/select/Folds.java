package org.sparkntk.select;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Reproducible row splits: stratified by class for classification (each class's rows shuffled
 * with the seed, then dealt to the folds in turn), shuffled for regression.
 */
public final class Folds {

    private Folds() {
    }

    /** The rows of each stratum (class index, or one stratum of all rows when classes is null), shuffled with the seed. */
    static List<int[]> strata(int[] classes, int n, long seed) {
        Map<Integer, List<Integer>> by = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            by.computeIfAbsent(classes == null ? 0 : classes[i], c -> new ArrayList<>()).add(i);
        }
        List<int[]> out = new ArrayList<>();
        Random r = new Random(seed);
        by.keySet().stream().sorted().forEach(c -> {
            int[] rows = by.get(c).stream().mapToInt(Integer::intValue).toArray();
            for (int i = rows.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
            }
            out.add(rows);
        });
        return out;
    }

    /**
     * Fold of every row for K-fold cross-validation, 0..K-1 (stratified when classes != null: the
     * rows of all classes, each class shuffled, are dealt round-robin so every fold gets ~1/K of each).
     */
    public static int[] kFold(int[] classes, int n, int k, long seed) {
        int[] fold = new int[n];
        int next = 0;
        for (int[] rows : strata(classes, n, seed)) {
            for (int row : rows) {
                fold[row] = next;
                next = (next + 1) % k;
            }
        }
        return fold;
    }

    /**
     * True for the rows held out: round(fraction x rows) of each class (at least one row held and
     * one kept overall), chosen at random with the seed.
     */
    public static boolean[] holdout(int[] classes, int n, double fraction, long seed) {
        boolean[] held = new boolean[n];
        int count = 0;
        for (int[] rows : strata(classes, n, seed)) {
            int h = (int) Math.round(fraction * rows.length);
            for (int t = 0; t < h; t++) {
                held[rows[t]] = true;
                count++;
            }
        }
        if (count == 0 || count == n) { // tiny sets: hold out exactly one row / keep one
            List<int[]> all = strata(null, n, seed);
            int row = all.get(0)[0];
            held[row] = count == 0;
        }
        return held;
    }

    /**
     * A reproducible subsample of m rows (sorted): each class keeps m x its share of rows (largest
     * remainders), rows drawn at random with the seed; without classes a plain random sample.
     */
    public static int[] subsample(int[] classes, int n, int m, long seed) {
        if (m >= n) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        List<int[]> strata = strata(classes, n, seed);
        int s = strata.size();
        int[] take = new int[s];
        double[] rem = new double[s];
        int used = 0;
        for (int c = 0; c < s; c++) {
            double exact = (double) m * strata.get(c).length / n;
            take[c] = (int) Math.floor(exact);
            rem[c] = exact - take[c];
            used += take[c];
        }
        Integer[] order = new Integer[s];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(rem[b], rem[a]) != 0 ? Double.compare(rem[b], rem[a]) : Integer.compare(a, b));
        for (int t = 0; used < m; t = (t + 1) % s) {
            int c = order[t];
            if (take[c] < strata.get(c).length) {
                take[c]++;
                used++;
            }
        }
        int[] out = new int[m];
        int p = 0;
        for (int c = 0; c < s; c++) {
            System.arraycopy(strata.get(c), 0, out, p, take[c]);
            p += take[c];
        }
        Arrays.sort(out);
        return out;
    }
}
