package org.sparkntk.kernel;

import java.util.Collection;

/** "did you mean" suggestions by edit distance, for option and name errors. */
public final class Suggest {

    private Suggest() {
    }

    /** "; did you mean 'x'?" for the closest candidate within distance 3 (or a prefix match), else "". */
    public static String didYouMean(String given, Collection<String> candidates) {
        String best = closest(given, candidates);
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /** The closest candidate, or null when none is close. */
    public static String closest(String given, Collection<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(given, c);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        if (best == null) {
            return null;
        }
        int limit = Math.max(1, Math.min(3, given.length() / 2));
        if (bestD <= limit) {
            return best;
        }
        // a prefix ('leaky' for 'leaky_relu') is far in edit distance, and a short unrelated
        // candidate ('elu') may be closer: look for it among all candidates, not only the closest
        for (String c : candidates) {
            if (!given.isEmpty() && c.startsWith(given)) {
                return c;
            }
        }
        return null;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
