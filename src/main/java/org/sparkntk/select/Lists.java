package org.sparkntk.select;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sparkntk.spec.UserError;

/**
 * The list options of {@code ntk select} (--depths, --ridges, --bias-stds, --weight-stds, --kernels),
 * parsed strictly: a list must be non-empty and strictly increasing (no duplicates), so a typo
 * such as 1e-4,1e-5 is refused instead of silently reordered.
 */
public final class Lists {

    private Lists() {
    }

    /** 'A-B' (inclusive range) or 'a,b,c', strictly increasing integers in [lo, hi]. */
    public static List<Integer> integers(String option, String text, int lo, int hi) {
        String t = text == null ? "" : text.trim();
        List<Integer> out = new ArrayList<>();
        String[] parts = t.isEmpty() ? new String[0] : t.split(",");
        for (String part : parts) {
            String p = part.trim();
            int dash = p.indexOf('-', 1);
            try {
                if (dash > 0) {
                    int a = Integer.parseInt(p.substring(0, dash).trim());
                    int b = Integer.parseInt(p.substring(dash + 1).trim());
                    if (b < a) {
                        throw new UserError("'" + option + "' has the range '" + p + "' but a range must be A-B with A <= B");
                    }
                    for (int v = a; v <= b; v++) {
                        out.add(v);
                    }
                } else {
                    out.add(Integer.parseInt(p));
                }
            } catch (NumberFormatException e) {
                throw new UserError("'" + option + "' has '" + p + "' but must be integers in " + lo + ".." + hi
                        + " as a list (1,3,5) or a range (1-10)");
            }
        }
        if (out.isEmpty()) {
            throw new UserError("'" + option + "' is empty; give a list (1,3,5) or a range (1-10)");
        }
        for (int i = 0; i < out.size(); i++) {
            int v = out.get(i);
            if (v < lo || v > hi) {
                throw new UserError("'" + option + "' has " + v + " but each value must be in " + lo + ".." + hi);
            }
            if (i > 0 && v <= out.get(i - 1)) {
                throw new UserError("'" + option + "' is '" + text + "' but must be strictly increasing (sorted, no duplicates)");
            }
        }
        return List.copyOf(out);
    }

    /** 'a,b,c', strictly increasing finite numbers >= min (or > min when {@code strict}). */
    public static List<Double> numbers(String option, String text, double min, boolean strict) {
        String t = text == null ? "" : text.trim();
        List<Double> out = new ArrayList<>();
        for (String part : t.isEmpty() ? new String[0] : t.split(",")) {
            String p = part.trim();
            double v;
            try {
                v = Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw new UserError("'" + option + "' has '" + p + "' but must be a comma-separated list of numbers");
            }
            if (!Double.isFinite(v) || (strict ? !(v > min) : !(v >= min))) {
                throw new UserError("'" + option + "' has " + p + " but each value must be " + (strict ? "> " : ">= ")
                        + fmt(min) + " and finite");
            }
            out.add(v);
        }
        if (out.isEmpty()) {
            throw new UserError("'" + option + "' is empty; give a comma-separated list of numbers");
        }
        for (int i = 1; i < out.size(); i++) {
            if (out.get(i) <= out.get(i - 1)) {
                throw new UserError("'" + option + "' is '" + text + "' but must be strictly increasing (sorted, no duplicates)");
            }
        }
        return List.copyOf(out);
    }

    /** 'ntk', 'nngp' or both, each at most once, in the order given. */
    public static List<String> kernels(String option, String text) {
        List<String> out = new ArrayList<>();
        String t = text == null ? "" : text.trim();
        for (String part : t.isEmpty() ? new String[0] : t.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (!p.equals("ntk") && !p.equals("nngp")) {
                throw new UserError("'" + option + "' has '" + part.trim() + "' but allowed are ntk, nngp");
            }
            if (out.contains(p)) {
                throw new UserError("'" + option + "' names '" + p + "' twice; give each kernel once");
            }
            out.add(p);
        }
        if (out.isEmpty()) {
            throw new UserError("'" + option + "' is empty; allowed are ntk, nngp");
        }
        return List.copyOf(out);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
