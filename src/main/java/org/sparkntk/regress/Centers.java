package org.sparkntk.regress;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkntk.kernel.NetworkSpec;
import org.sparkntk.solve.LowRankPreconditioner;
import org.sparkntk.solve.SymmetricOperator;
import org.sparkntk.spec.UserError;
import scala.Tuple2;

/**
 * The Nystrom centres: M training rows (sorted row numbers), their features (row-major M x d,
 * as the kernel sees them, i.e. after --normalize) and ids.
 */
public record Centers(int[] rows, double[] x, int d, List<Object> ids, Selection selection, long seed) {

    /** {@code --center-selection}. */
    public enum Selection {
        UNIFORM, RPCHOLESKY;

        /** Parses uniform or rpcholesky. */
        public static Selection parse(String s) {
            return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
                case "uniform" -> UNIFORM;
                case "rpcholesky" -> RPCHOLESKY;
                default -> throw new UserError("'center-selection' is '" + s + "' but must be uniform or rpcholesky");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** M. */
    public int m() {
        return rows.length;
    }

    /** The centres as one feature block (index 0, rows 0..M-1). */
    public FeatureBlock block() {
        return new FeatureBlock(0, 0, rows.length, d, x);
    }

    /** M distinct rows of 0..n-1 drawn uniformly (partial Fisher-Yates with a seeded generator), sorted. */
    public static int[] uniform(int n, int m, long seed) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < m; i++) {
            int j = i + r.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] out = Arrays.copyOf(perm, m);
        Arrays.sort(out);
        return out;
    }

    /**
     * M rows picked by randomly pivoted Cholesky on K(X, X) (the preconditioner's algorithm,
     * {@link LowRankPreconditioner#rpCholesky}): it needs the diagonal and the picked columns of K,
     * each block of columns computed as train x picked-rows tiles on the executors. Sorted.
     */
    public static int[] rpCholesky(JavaSparkContext jsc, JavaRDD<FeatureBlock> blocks, NetworkSpec spec, org.sparkntk.spec.KernelKind kind,
                                   double[] diag, int n, int d, int m, long seed, Consumer<String> log) {
        SymmetricOperator k = new SymmetricOperator() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public void apply(double[] x, int kk, double[] out) {
                throw new UnsupportedOperationException("centre selection reads columns of K only");
            }

            @Override
            public double[] diagonal() {
                return diag.clone();
            }

            @Override
            public double[] columns(int[] cols) {
                int[] sorted = cols.clone();
                Arrays.sort(sorted);
                double[] cx = features(blocks, sorted, d);
                double[] ks = NystromOperator.crossKernel(jsc, blocks, new FeatureBlock(0, 0, sorted.length, d, cx), spec, kind, n);
                // back to the caller's column order
                int r = cols.length;
                double[] out = new double[n * r];
                for (int c = 0; c < r; c++) {
                    int pos = Arrays.binarySearch(sorted, cols[c]);
                    for (int i = 0; i < n; i++) {
                        out[i * r + c] = ks[i * r + pos];
                    }
                }
                return out;
            }
        };
        int block = Math.max(1, Math.min(m, Math.max(64, (m + 3) / 4)));
        int[] piv = LowRankPreconditioner.rpCholeskyPivots(k, m, seed, block, log);
        if (piv.length < m) {
            throw new UserError("randomly pivoted Cholesky found only " + piv.length + " independent centres of the " + m
                    + " asked (K(X, X) has numerical rank " + piv.length + "); use --centers " + piv.length + " or fewer");
        }
        Arrays.sort(piv);
        return piv;
    }

    /** The features of the given sorted rows, row-major rows.length x d, in that order. */
    static double[] features(JavaRDD<FeatureBlock> blocks, int[] sortedRows, int d) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(blocks.context());
        Broadcast<int[]> br = jsc.broadcast(sortedRows);
        try {
            List<Tuple2<Integer, double[]>> got = blocks.flatMap(b -> {
                int[] rs = br.value();
                List<Tuple2<Integer, double[]>> out = new ArrayList<>();
                int lo = Arrays.binarySearch(rs, (int) b.start());
                lo = lo >= 0 ? lo : -lo - 1;
                for (int q = lo; q < rs.length && rs[q] < b.start() + b.rows(); q++) {
                    int i = (int) (rs[q] - b.start());
                    out.add(new Tuple2<>(q, Arrays.copyOfRange(b.x(), i * b.d(), (i + 1) * b.d())));
                }
                return out.iterator();
            }).collect();
            double[] x = new double[sortedRows.length * d];
            for (Tuple2<Integer, double[]> t : got) {
                System.arraycopy(t._2(), 0, x, t._1() * d, d);
            }
            return x;
        } finally {
            br.destroy();
        }
    }

    /** Picks and gathers the centres. */
    public static Centers select(JavaSparkContext jsc, LabeledData train, NetworkSpec spec, org.sparkntk.spec.KernelKind kind,
                                 double[] diag, int m, Selection sel, long seed, Consumer<String> log) {
        int n = (int) train.n();
        int[] rows = sel == Selection.UNIFORM ? uniform(n, m, seed)
                : rpCholesky(jsc, train.blocks(), spec, kind, diag, n, train.d(), m, seed, log);
        double[] x = features(train.blocks(), rows, train.d());
        List<Object> ids = new ArrayList<>(m);
        for (int r : rows) {
            ids.add(train.ids().get(r));
        }
        return new Centers(rows, x, train.d(), ids, sel, seed);
    }

    /**
     * SHA-256 over the centres and their coefficients (row numbers, ids as text, features and beta
     * as IEEE bits): model.json records it, predict refuses centres that no longer match.
     */
    public static String fingerprint(long[] rows, List<Object> ids, double[] x, double[] beta) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer bb = ByteBuffer.allocate(8);
            for (int i = 0; i < rows.length; i++) {
                bb.clear();
                md.update(bb.putLong(rows[i]).array());
                md.update(String.valueOf(ids.get(i)).getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            for (double[] a : new double[][] {x, beta}) {
                for (double v : a) {
                    bb.clear();
                    md.update(bb.putLong(Double.doubleToLongBits(v)).array());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
