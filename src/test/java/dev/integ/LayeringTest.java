package dev.integ;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps ARCHITECTURE.md's layering true of the code: a package of src/main may use only packages of
 * lower layers (imports, static imports and names written out in code alike; comments and strings do
 * not count), so no two packages ever depend on each other. A new package must be placed here.
 */
class LayeringTest {

    /** Lowest first. A package may use the packages of the layers before its own, never its own layer's others. */
    static final List<Set<String>> LAYERS = List.of(
            Set.of("core"),
            Set.of("store"),
            Set.of("keys"),
            Set.of("events"),
            Set.of("vault", "ratelimit"),
            Set.of("http", "config"),
            Set.of("providers"),
            Set.of("oauth", "doctor"),
            Set.of("(root)"),
            Set.of("cli"),
            Set.of("cli.docs"));

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    /** A use of another integ package: the lower-case segments after dev.integ, up to a class name or a wildcard. */
    private static final Pattern USE = Pattern.compile("\\bdev\\.integ((?:\\.[a-z_][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");

    @Test
    void everyPackageUsesOnlyLowerLayers() {
        Map<String, Set<String>> uses = uses(MAIN);
        List<String> violations = new ArrayList<>();
        uses.forEach((from, targets) -> {
            for (String to : targets) {
                if (!from.equals(to) && layer(to) >= layer(from)) {
                    violations.add(from + " uses " + to + " (layer " + layer(from) + " may use layers below it only)");
                }
            }
        });
        assertThat(violations).as("package dependencies against ARCHITECTURE.md's layering (see LAYERS)").isEmpty();
    }

    @Test
    void everyPackageHasItsPlace() {
        Set<String> placed = LAYERS.stream().flatMap(Set::stream).collect(Collectors.toSet());
        assertThat(uses(MAIN).keySet()).as("packages of src/main; add a new one to LAYERS and ARCHITECTURE.md")
                .isSubsetOf(placed);
    }

    @Test
    void theScanSeesImportsStaticImportsAndWrittenOutNamesButNotCommentsOrStrings() {
        String source = """
                package dev.integ.keys;
                import dev.integ.store.RedisKeys;
                import static dev.integ.core.ExitCode.USAGE;
                import dev.integ.ratelimit.*;
                /** {@link dev.integ.cli.Main} */
                class X {
                    // dev.integ.oauth.ConnectFlow
                    String s = "dev.integ.doctor.Doctor";
                    dev.integ.events.EventLog log;
                    Object o = dev.integ.Services.class;
                }
                """;
        assertThat(targets(source)).containsExactlyInAnyOrder("store", "core", "ratelimit", "events", "(root)");
    }

    private static int layer(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        throw new AssertionError("package " + pkg + " has no place in LayeringTest.LAYERS (and ARCHITECTURE.md)");
    }

    /** Per package of {@code root}, the other integ packages its code uses. */
    private static Map<String, Set<String>> uses(Path root) {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(source);
                assertThat(pkg.find()).as("package declaration in " + file).isTrue();
                uses.computeIfAbsent(shortName(pkg.group(1)), p -> new TreeSet<>()).addAll(targets(source));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return uses;
    }

    private static Set<String> targets(String source) {
        Set<String> targets = new TreeSet<>();
        Matcher m = USE.matcher(codeOnly(source));
        while (m.find()) {
            targets.add(shortName("dev.integ" + m.group(1)));
        }
        return targets;
    }

    private static String shortName(String pkg) {
        return pkg.equals("dev.integ") ? "(root)" : pkg.substring("dev.integ.".length());
    }

    /** The source with comments, string and character literals (text blocks too) blanked out. */
    static String codeOnly(String source) {
        StringBuilder code = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                code.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                while (end > 0 && source.charAt(end - 1) == '\\') {
                    end = source.indexOf("\"\"\"", end + 1);
                }
                i = end < 0 ? n : end + 3;
                code.append("\"\"");
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i);
                int j = i + 1;
                while (j < n && source.charAt(j) != quote && source.charAt(j) != '\n') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                i = Math.min(n, j + 1);
                code.append(quote).append(quote);
            } else {
                code.append(source.charAt(i++));
            }
        }
        return code.toString();
    }
}
