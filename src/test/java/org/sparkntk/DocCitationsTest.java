package org.sparkntk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every citation of a doc section in the main sources, written {@code name.md, "Heading"}, names
 * a heading that exists in docs/name.md (the heading starts with the cited text), so a comment's
 * pointer to a derivation or a measurement cannot rot.
 */
class DocCitationsTest {

    static final Pattern CITATION = Pattern.compile("([a-z-]+\\.md), \"([^\"]+)\"");

    @Test
    void everyCitedHeadingExists() throws IOException {
        Path root = Path.of(System.getProperty("ntk.project.dir", "."));
        List<String> missing = new ArrayList<>();
        int citations = 0;
        try (Stream<Path> files = Files.walk(root.resolve("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                Matcher m = CITATION.matcher(Files.readString(f));
                while (m.find()) {
                    citations++;
                    Path doc = root.resolve("docs").resolve(m.group(1));
                    // a citation may wrap inside a comment: "...Network and\n * parameterization"
                    String cited = m.group(2).replaceAll("\\s*\\n\\s*(//|\\*)?\\s*", " ");
                    String want = cited.toLowerCase(Locale.ROOT);
                    boolean found = Files.exists(doc) && Files.readAllLines(doc).stream()
                            .filter(l -> l.startsWith("#"))
                            .map(l -> l.replaceFirst("^#+\\s*", "").replace("`", "").toLowerCase(Locale.ROOT))
                            .anyMatch(h -> h.startsWith(want));
                    if (!found) {
                        missing.add(root.relativize(f) + ": " + m.group(1) + ", \"" + cited + "\"");
                    }
                }
            }
        }
        assertTrue(citations > 20, "found only " + citations + " citations");
        assertEquals(List.of(), missing, "citations of headings that do not exist");
    }
}
