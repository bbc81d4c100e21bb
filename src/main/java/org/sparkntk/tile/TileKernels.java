package org.sparkntk.tile;

import java.util.logging.Logger;

/**
 * Picks the {@link Recursion} and {@link Gemm} implementations once per JVM (holder idiom).
 *
 * <p>System properties: {@code ntk.scalar=true} forces the scalar recursion and GEMM;
 * {@code ntk.gemm=auto|native|vector|netlib|scalar} forces a GEMM ({@code auto}: native BLAS
 * when netlib found one, else the Vector API GEMM, else netlib's Java BLAS);
 * {@code ntk.panel=auto|vector|netlib|scalar} forces the panel product of the PCG / FALKON
 * passes ({@code auto}: the fused Vector API kernel, else the scalar one). Without the
 * {@code jdk.incubator.vector} module the scalar paths are used and one warning names the fix.
 */
public final class TileKernels {

    private static final Logger LOG = Logger.getLogger(TileKernels.class.getName());

    /** System property that forces the scalar reference paths. */
    public static final String SCALAR_PROPERTY = "ntk.scalar";
    /** Narrowest vector the Vector API kernels use (as Lucene: one double per vector gains nothing). */
    static final int MIN_VECTOR_BITS = 128;
    /** System property that picks the GEMM. */
    public static final String GEMM_PROPERTY = "ntk.gemm";

    private TileKernels() {
    }

    /** Why the vector path is not used, or null when it is. */
    public static String vectorUnavailableReason() {
        return Holder.VECTOR_REASON;
    }

    /** The vector species in use, or a reason it is not. */
    public static String vectorSpecies() {
        return Holder.VECTOR_REASON == null ? org.sparkntk.tile.panama.PanamaSupport.species() : "none (" + Holder.VECTOR_REASON + ")";
    }

    /** The recursion for this JVM. */
    public static Recursion recursion() {
        return Holder.RECURSION;
    }

    /** The GEMM for this JVM. */
    public static Gemm gemm() {
        return Holder.GEMM;
    }

    /** System property that picks the panel product. */
    public static final String PANEL_PROPERTY = "ntk.panel";

    /**
     * The panel product of the PCG / FALKON passes for panels stored at {@code storage} precision
     * (float64 or float32). The choice is made once per JVM and logged.
     */
    public static PanelProduct panelProduct(org.sparkntk.spec.Precision storage) {
        return storage == org.sparkntk.spec.Precision.FLOAT32 ? Panels.FLOAT32 : Panels.FLOAT64;
    }

    /** True when netlib loaded a native BLAS. */
    public static boolean nativeBlas() {
        return Holder.NETLIB.isNative();
    }

    /** The panel products, picked on first use (a Gram job never loads them). */
    private static final class Panels {
        static final PanelProduct FLOAT64 = pick(false);
        static final PanelProduct FLOAT32 = pick(true);

        private static PanelProduct pick(boolean float32) {
            String want = System.getProperty(PANEL_PROPERTY, Boolean.getBoolean(SCALAR_PROPERTY) ? "scalar" : "auto");
            PanelProduct p;
            switch (want) {
                case "scalar":
                    p = new ScalarPanelProduct();
                    break;
                case "netlib":
                    p = new NetlibPanelProduct(dev.ludovic.netlib.blas.BLAS.getInstance());
                    break;
                case "vector":
                case "auto":
                    p = vectorOrScalar();
                    break;
                default:
                    throw new IllegalArgumentException("-D" + PANEL_PROPERTY + "=" + want
                            + " but must be one of auto, vector, netlib, scalar");
            }
            LOG.info("spark-ntk panel product (" + (float32 ? "float32" : "float64") + " panels): " + p.name());
            return p;
        }

        private static PanelProduct vectorOrScalar() {
            if (Holder.VECTOR_REASON == null) {
                try {
                    return org.sparkntk.tile.panama.PanamaSupport.panelProduct();
                } catch (Throwable t) {
                    LOG.warning("spark-ntk vector panel product unavailable (" + t + "); using scalar");
                }
            }
            return new ScalarPanelProduct();
        }
    }

    private static final class Holder {
        static final String VECTOR_REASON = probeVector();
        static final NetlibGemm NETLIB = NetlibGemm.best();
        static final Recursion RECURSION = pickRecursion();
        static final Gemm GEMM = pickGemm();

        private static String probeVector() {
            if (Boolean.getBoolean(SCALAR_PROPERTY)) {
                return "forced by -D" + SCALAR_PROPERTY + "=true";
            }
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                String msg = "module jdk.incubator.vector is not loaded; start the JVM with --add-modules=jdk.incubator.vector"
                        + " (spark.driver.extraJavaOptions / spark.executor.extraJavaOptions on a cluster)";
                LOG.warning("spark-ntk uses the scalar tile kernels (5-50x slower): " + msg);
                return msg;
            }
            try {
                int bits = org.sparkntk.tile.panama.PanamaSupport.vectorBits();
                if (bits < MIN_VECTOR_BITS) {
                    String msg = "the preferred vector is " + bits + " bits, below " + MIN_VECTOR_BITS
                            + " (one double per vector): no faster than scalar";
                    LOG.warning("spark-ntk uses the scalar tile kernels: " + msg);
                    return msg;
                }
                return null;
            } catch (Throwable t) {
                String msg = "Vector API failed to initialise (" + t + "); start the JVM with --add-modules=jdk.incubator.vector";
                LOG.warning("spark-ntk uses the scalar tile kernels: " + msg);
                return msg;
            }
        }

        private static Recursion pickRecursion() {
            if (VECTOR_REASON == null) {
                try {
                    Recursion r = org.sparkntk.tile.panama.PanamaSupport.recursion();
                    LOG.info("spark-ntk recursion: " + r.name() + " (" + org.sparkntk.tile.panama.PanamaSupport.species() + ")");
                    return r;
                } catch (Throwable t) {
                    LOG.warning("spark-ntk vector recursion unavailable (" + t + "); using scalar");
                }
            }
            return new ScalarRecursion();
        }

        private static Gemm pickGemm() {
            String want = System.getProperty(GEMM_PROPERTY, Boolean.getBoolean(SCALAR_PROPERTY) ? "scalar" : "auto");
            switch (want) {
                case "scalar":
                    return new ScalarGemm();
                case "netlib":
                case "native":
                    return NETLIB;
                case "vector":
                case "auto":
                    if (want.equals("auto") && NETLIB.isNative()) {
                        return NETLIB;
                    }
                    if (VECTOR_REASON == null) {
                        try {
                            Gemm g = org.sparkntk.tile.panama.PanamaSupport.gemm();
                            LOG.info("spark-ntk gemm: " + g.name() + ", float32: " + g.floatName() + (NETLIB.isNative() ? "" : " (no native BLAS found by netlib)"));
                            return g;
                        } catch (Throwable t) {
                            LOG.warning("spark-ntk vector gemm unavailable (" + t + "); using " + NETLIB.name());
                        }
                    }
                    return NETLIB;
                default:
                    throw new IllegalArgumentException("-D" + GEMM_PROPERTY + "=" + want + " but must be one of auto, native, vector, netlib, scalar");
            }
        }
    }
}
