import java.lang.management.ManagementFactory;
import org.sparkntk.solve.DenseMethod;
import org.sparkntk.solve.FalkonPreconditioner;

/** Times FalkonPreconditioner.factor on an M x M probe matrix (positive definite by Gershgorin): wall and process CPU. */
public class FalkonBench {
    static double cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    public static void main(String[] args) throws Exception {
        int m = Integer.parseInt(args[0]);
        if (args.length > 1) {
            // time the dense methods first (once per JVM), so that the factor below is measured alone
            long w0 = System.nanoTime();
            Object dm = Class.forName("org.sparkntk.solve.CholeskySolver").getMethod("method", long.class).invoke(null, (long) m);
            System.out.printf("method timing %.2f s: %s%n", (System.nanoTime() - w0) / 1e9, ((DenseMethod) dm).describe());
        }
        double[] k = DenseMethod.probeMatrix(m);
        double c0 = cpu();
        long t0 = System.nanoTime();
        FalkonPreconditioner p = FalkonPreconditioner.factor(k, m, 1e-3, 10L * m, System.out::println);
        System.out.printf("falkon factor M = %d: %.2f s wall, %.2f CPU s (jitter %.3g)%n", m,
                (System.nanoTime() - t0) / 1e9, cpu() - c0, p.jitter());
    }
}
