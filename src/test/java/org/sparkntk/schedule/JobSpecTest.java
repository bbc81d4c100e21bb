package org.sparkntk.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sparkntk.spec.KernelKind;
import org.sparkntk.spec.Precision;
import org.sparkntk.spec.UserError;

/** Job specs: gram's option names, validated by the same classes, unknown keys rejected with a suggestion. */
class JobSpecTest {

    @Test
    void parsesGramOptionNames() {
        JobSpec s = JobSpec.parse("""
                input: data/x
                output: out/k
                id-col: id
                depths: [1, 3]
                kernels: ntk
                precision: float32
                block-size: 64
                bias-std: 0.1
                master: local[2]
                conf:
                  spark.executor.memory: 2g
                  spark.executor.cores: 2
                """, "t.yaml");
        assertEquals("data/x", s.input().input());
        assertEquals("out/k", s.output());
        assertEquals("id", s.input().idCol());
        assertEquals(List.of(1, 3), s.kernel().kernel().depths());
        assertEquals(List.of(KernelKind.NTK), s.kernel().kernel().kernels());
        assertEquals(Precision.FLOAT32, s.kernel().kernel().precision());
        assertEquals(64, s.kernel().blockSize());
        assertEquals(0.1, s.kernel().kernel().network().biasStd());
        assertEquals("local[2]", s.master());
        assertEquals(Map.of("spark.executor.memory", "2g", "spark.executor.cores", "2"), s.conf());
    }

    @Test
    void defaultsAreGramDefaults() {
        JobSpec s = JobSpec.parse("input: a\noutput: b\n", "t.yaml");
        assertEquals(List.of(3), s.kernel().kernel().depths());
        assertEquals(0, s.kernel().blockSize());
        assertEquals("features", s.input().featuresCol());
        assertNull(s.master());
    }

    @Test
    void unknownKeyGetsTheClosestName() {
        UserError e = assertThrows(UserError.class, () -> JobSpec.parse("input: a\noutput: b\nblok-size: 3\n", "jobs/x.yaml"));
        assertEquals("job spec 'jobs/x.yaml': unknown option 'blok-size'; did you mean 'block-size'?", e.getMessage());
    }

    @Test
    void overwriteIsAFlagNotASpecKey() {
        UserError e = assertThrows(UserError.class, () -> JobSpec.parse("input: a\noutput: b\noverwrite: true\n", "s.yaml"));
        assertEquals("job spec 's.yaml': unknown option 'overwrite'; 'overwrite' is not part of a spec: pass --overwrite "
                + "to 'ntk run' when you mean it", e.getMessage());
    }

    @Test
    void invalidValuesUseGramMessages() {
        UserError e = assertThrows(UserError.class, () -> JobSpec.parse("input: a\noutput: b\nblock-size: 0\n", "s.yaml"));
        assertEquals("job spec 's.yaml': 'block-size' is 0 but must be > 0", e.getMessage());
        UserError m = assertThrows(UserError.class, () -> JobSpec.parse("input: a\n", "s.yaml"));
        assertEquals("job spec 's.yaml': 'output' is missing; give a folder for the result", m.getMessage());
        UserError y = assertThrows(UserError.class, () -> JobSpec.parse("- a\n- b\n", "s.yaml"));
        assertEquals("job spec 's.yaml' must be a mapping of option names to values, e.g. 'input: data/x'", y.getMessage());
    }

    @Test
    void shippedExamplesParse() throws Exception {
        Path jobs = Path.of(System.getProperty("ntk.project.dir", ".")).resolve("jobs");
        List<Path> specs;
        try (Stream<Path> s = Files.list(jobs)) {
            specs = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(2, specs.size(), "jobs/*.yaml");
        for (Path p : specs) {
            JobSpec.read(p);
        }
    }
}
