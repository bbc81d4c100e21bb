package org.sparkntk.io;

import java.util.Locale;
import org.sparkntk.spec.UserError;

/**
 * Pixel-shift augmentation of square images ({@code ntk import-idx --augment shifts:K}): each
 * image and its copies moved by one pixel in K directions, vacated pixels set to 0.
 *
 * <p>Ids (docs/nystrom.md, "Augmented images"): copy s of source image i has id 10 i + s, s = 0
 * for the image itself and 1..K for the directions of {@link #DIRECTIONS} in order (right, left,
 * down, up, then down-right, down-left, up-right, up-left), so id / 10 is the source image's
 * index in the IDX file and id % 10 the shift.
 */
public final class Shifts {

    /** (rows down, columns right) of shift 1..8. */
    public static final int[][] DIRECTIONS = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}};

    /** Names of the directions, for the import log. */
    public static final String[] NAMES = {"right", "left", "down", "up", "down-right", "down-left", "up-right", "up-left"};

    private Shifts() {
    }

    /** {@code none} -> 0, {@code shifts:4} -> 4, {@code shifts:8} -> 8. */
    public static int parse(String spec) {
        String s = spec == null ? "none" : spec.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "none" -> 0;
            case "shifts:4" -> 4;
            case "shifts:8" -> 8;
            default -> throw new UserError("'augment' is '" + spec + "' but must be none, shifts:4 or shifts:8");
        };
    }

    /** The side of a square image of {@code values} pixels; refuses other sizes. */
    public static int side(int[] itemDims, int values, String what) {
        int side = (int) Math.round(Math.sqrt(values));
        boolean square = side * side == values && (itemDims.length != 2 || itemDims[0] == itemDims[1]);
        if (!square) {
            throw new UserError("'augment' shifts square images, but " + what + " holds items of " + values + " values"
                    + (itemDims.length == 2 ? " (" + itemDims[0] + " x " + itemDims[1] + ")" : "") + ", not a square image");
        }
        return side;
    }

    /** The id of copy {@code s} (0 = the image itself) of source image {@code source}. */
    public static long id(long source, int s) {
        return 10L * source + s;
    }

    /** The image moved by (dr rows down, dc columns right), zero fill: out[r][c] = in[r - dr][c - dc]. */
    public static double[] shift(double[] img, int side, int dr, int dc) {
        double[] out = new double[img.length];
        for (int r = 0; r < side; r++) {
            int sr = r - dr;
            if (sr < 0 || sr >= side) {
                continue;
            }
            for (int c = 0; c < side; c++) {
                int sc = c - dc;
                if (sc >= 0 && sc < side) {
                    out[r * side + c] = img[sr * side + sc];
                }
            }
        }
        return out;
    }
}
