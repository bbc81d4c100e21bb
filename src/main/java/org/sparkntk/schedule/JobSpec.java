package org.sparkntk.schedule;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkntk.kernel.Suggest;
import org.sparkntk.options.InputConfig;
import org.sparkntk.options.KernelConfig;
import org.sparkntk.spec.UserError;

/**
 * A declarative gram job ({@code jobs/NAME.yaml}, docs/scheduling.md): the same option names as
 * {@code ntk gram} (input, output, the kernel options, master, conf), validated by the same
 * classes ({@link InputConfig#fromMap}, {@link KernelConfig#fromMap}); unknown keys are rejected
 * with the closest name.
 *
 * @param source where the spec came from (for messages)
 * @param input  the input options
 * @param kernel the kernel options
 * @param output the output folder
 * @param master Spark master, or null for spark-submit's / local[*]
 * @param conf   Spark conf, as {@code --conf key=value}
 */
public record JobSpec(String source, InputConfig input, KernelConfig kernel, String output, String master,
                      Map<String, String> conf) {

    public static final String OUTPUT = "output";
    public static final String MASTER = "master";
    public static final String CONF = "conf";

    /** Every key a spec may hold, in documentation order. */
    public static final List<String> KEYS;

    static {
        List<String> k = new ArrayList<>(InputConfig.KEYS);
        k.add(OUTPUT);
        k.addAll(KernelConfig.KEYS);
        k.add(MASTER);
        k.add(CONF);
        KEYS = List.copyOf(k);
    }

    public JobSpec {
        conf = Map.copyOf(conf);
    }

    /** Reads and validates a YAML spec file. */
    public static JobSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserError("job spec '" + file + "' does not exist");
        } catch (IOException e) {
            throw new UserError("job spec '" + file + "' cannot be read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses and validates YAML text; messages name {@code source}. */
    public static JobSpec parse(String yaml, String source) {
        Object tree;
        try {
            tree = new ObjectMapper(new YAMLFactory()).readValue(yaml, Object.class);
        } catch (IOException e) {
            throw new UserError("job spec '" + source + "' is not valid YAML: " + firstLine(e.getMessage()), e);
        }
        if (!(tree instanceof Map<?, ?> top)) {
            throw new UserError("job spec '" + source + "' must be a mapping of option names to values, e.g. 'input: data/x'");
        }
        Map<String, Object> in = new LinkedHashMap<>();
        Map<String, Object> kernel = new LinkedHashMap<>();
        String output = null;
        String master = null;
        Map<String, String> conf = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (InputConfig.KEYS.contains(key)) {
                in.put(key, v);
            } else if (KernelConfig.KEYS.contains(key)) {
                kernel.put(key, v);
            } else if (key.equals(OUTPUT)) {
                output = v == null ? null : v.toString();
            } else if (key.equals(MASTER)) {
                master = v == null ? null : v.toString();
            } else if (key.equals(CONF)) {
                if (v == null) {
                    continue;
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw new UserError("job spec '" + source + "': 'conf' must be a mapping, e.g. 'conf: {spark.executor.memory: 2g}'");
                }
                for (Map.Entry<?, ?> c : m.entrySet()) {
                    if (c.getValue() == null || c.getValue() instanceof Map || c.getValue() instanceof List) {
                        throw new UserError("job spec '" + source + "': 'conf' entry '" + c.getKey() + "' must have a single value");
                    }
                    conf.put(String.valueOf(c.getKey()), String.valueOf(c.getValue()));
                }
            } else {
                String hint = key.equals("overwrite") || key.equals("resume")
                        ? "; '" + key + "' is not part of a spec: pass --" + key + " to 'ntk run' when you mean it"
                        : Suggest.didYouMean(key, KEYS);
                throw new UserError("job spec '" + source + "': unknown option '" + key + "'" + hint);
            }
        }
        if (output == null || output.isBlank()) {
            throw new UserError("job spec '" + source + "': 'output' is missing; give a folder for the result");
        }
        try {
            return new JobSpec(source, InputConfig.fromMap(in), KernelConfig.fromMap(kernel), output, master, conf);
        } catch (UserError e) {
            throw new UserError("job spec '" + source + "': " + e.getMessage(), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
