package org.sparkntk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Packages only point down (docs/design.md, "Packages"): a class may use its own package and the
 * packages of lower layers, never a package of its own layer or above. Checked on the main
 * bytecode, so a fully qualified name written inline counts like an import.
 */
class PackageLayersTest {

    /** The layers, lowest first; packages in one layer are independent of each other. */
    static final List<List<String>> LAYERS = List.of(
            List.of("kernel"),          // activations, the scalar kernel maps: pure math
            List.of("spec"),            // shared vocabulary: UserError, KernelSpec, KernelKind, Precision
            List.of("tile", "chart"),   // tile kernel (GEMM, recursion); PNG charts: no Spark
            List.of("solve"),           // solvers over an abstract operator (the dense Cholesky uses tile's GEMM): no Spark
            List.of("io", "options"),   // the output format; every option's one definition
            List.of("gram"),            // the Gram job on Spark
            List.of("regress"),         // kernel regression on Spark
            List.of("schedule", "select"), // ntk run: incremental Gram jobs; ntk select (pure math + select.spark driver)
            List.of("plot", "ml"),      // ntk plot: kernel heatmap and spectrum pictures; Spark ML estimators and models
            List.of("api"),             // the Java API for kernels (NtkKernels), which the commands call
            List.of("cli"));            // the commands

    private static final String ROOT = "org.sparkntk.";
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        // names of the targets are enough: resolving Spark's classes from the class path takes ~20 s
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.sparkntk");
    }

    /** The top-level package of a class under org.sparkntk (tile.panama belongs to tile), or null. */
    static String topPackage(String className) {
        if (!className.startsWith(ROOT)) {
            return null;
        }
        String rest = className.substring(ROOT.length());
        int dot = rest.indexOf('.');
        return dot < 0 ? null : rest.substring(0, dot);
    }

    static Map<String, Integer> levels() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String p : LAYERS.get(i)) {
                out.put(p, i);
            }
        }
        return out;
    }

    @Test
    void everyPackageHasALayer() {
        Map<String, Integer> levels = levels();
        TreeSet<String> missing = new TreeSet<>();
        for (JavaClass c : classes) {
            String p = topPackage(c.getName());
            if (p != null && !levels.containsKey(p)) {
                missing.add(p);
            }
        }
        assertTrue(missing.isEmpty(), "packages without a layer: " + missing
                + "; add them to PackageLayersTest.LAYERS and to the package table in docs/design.md");
        assertTrue(classes.size() > 100, "imported only " + classes.size() + " classes");
    }

    @Test
    void packagesOnlyPointDown() {
        Map<String, Integer> levels = levels();
        List<String> upward = new ArrayList<>();
        for (JavaClass c : classes) {
            String from = topPackage(c.getName());
            if (from == null || !levels.containsKey(from)) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = topPackage(d.getTargetClass().getName());
                if (to == null || to.equals(from) || !levels.containsKey(to)) {
                    continue;
                }
                if (levels.get(to) >= levels.get(from)) {
                    upward.add(from + " -> " + to + ": " + d.getDescription());
                }
            }
        }
        assertEquals(List.of(), upward.stream().sorted().distinct().limit(40).toList(),
                upward.size() + " dependencies point up or sideways (layers, lowest first: " + LAYERS + ")");
    }

    /**
     * Spark job labels are set only through io.JobLabel, which puts the previous label back, so a
     * label never sticks to a later, unrelated job (issue 14, item 2).
     */
    @Test
    void jobLabelsOnlyThroughJobLabel() {
        List<String> bare = new ArrayList<>();
        for (JavaClass c : classes) {
            if (c.getName().equals(ROOT + "io.JobLabel")) {
                continue;
            }
            c.getMethodCallsFromSelf().stream()
                    .filter(call -> call.getName().equals("setJobDescription"))
                    .forEach(call -> bare.add(call.getDescription()));
        }
        assertEquals(List.of(), bare, "call JobLabel.call/run instead of setJobDescription");
    }
}
