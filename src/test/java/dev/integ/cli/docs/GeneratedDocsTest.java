package dev.integ.cli.docs;

import dev.integ.cli.CommandLineFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The committed completions/ and man/ are exactly what {@link GeneratedDocs} makes from the command
 * model. It only reads them (as in {@code mvn verify}); with -Dinteg.docs.write=true it writes them
 * instead (and then checks what it wrote).
 */
class GeneratedDocsTest {
    static final String REGENERATE =
            "regenerate with: mvn -B -q test -Dtest=GeneratedDocsTest -Dsurefire.failIfNoSpecifiedTests=false -Dinteg.docs.write=true";

    /** Surefire runs tests in the project root. */
    private final Path root = Path.of("").toAbsolutePath();

    @Test
    void committedDocsMatchTheCommandModel() throws IOException {
        if (Boolean.getBoolean("integ.docs.write")) {
            GeneratedDocs.write(root);
        }
        List<String> drifted = drift(root);
        if (!drifted.isEmpty()) {
            fail("generated docs drifted from the command model: " + String.join(", ", drifted) + "\n" + REGENERATE);
        }
    }

    /** The check reports a drift and leaves the files as they were: only -Dinteg.docs.write=true writes. */
    @Test
    void aDriftIsReportedWithoutTouchingTheFiles(@TempDir Path copy) throws IOException {
        GeneratedDocs.write(copy);
        Path page = copy.resolve("man/integ-token.1");
        Files.writeString(page, "edited by hand\n");
        Files.delete(copy.resolve("completions/integ.bash"));
        Files.writeString(copy.resolve("man/integ-gone.1"), "a command that no longer exists\n");
        Map<Path, FileTime> before = modificationTimes(copy);

        assertThat(drift(copy)).containsExactlyInAnyOrder("man/integ-token.1 (differs)", "completions/integ.bash (missing)",
                "man/integ-gone.1 (no longer generated)");

        assertThat(Files.readString(page)).isEqualTo("edited by hand\n");
        assertThat(copy.resolve("completions/integ.bash")).doesNotExist();
        assertThat(modificationTimes(copy)).isEqualTo(before);
    }

    private static Map<Path, FileTime> modificationTimes(Path root) throws IOException {
        Map<Path, FileTime> times = new HashMap<>();
        for (Path file : GeneratedDocs.existing(root)) {
            times.put(file, Files.getLastModifiedTime(root.resolve(file)));
        }
        return times;
    }

    private static List<String> drift(Path root) throws IOException {
        Map<Path, String> rendered = GeneratedDocs.render();
        List<String> drifted = new ArrayList<>();
        for (Map.Entry<Path, String> file : rendered.entrySet()) {
            Path committed = root.resolve(file.getKey());
            if (!Files.isRegularFile(committed)) {
                drifted.add(file.getKey() + " (missing)");
            } else if (!Files.readString(committed).equals(file.getValue())) {
                drifted.add(file.getKey() + " (differs)");
            }
        }
        for (Path existing : GeneratedDocs.existing(root)) {
            if (!rendered.containsKey(existing)) {
                drifted.add(existing + " (no longer generated)");
            }
        }
        return drifted;
    }

    @Test
    void everyCommandHasOneManPage() {
        List<String> expected = new ArrayList<>();
        collectPages(CommandLineFactory.model(), expected);
        assertThat(GeneratedDocs.render().keySet()).map(Path::toString)
                .filteredOn(path -> path.startsWith("man/"))
                .containsExactlyInAnyOrderElementsOf(expected)
                .contains("man/integ.1");
    }

    private static void collectPages(CommandLine command, List<String> into) {
        if (command.getCommandSpec().usageMessage().hidden()) {
            return;
        }
        String page = "man/" + command.getCommandSpec().qualifiedName("-") + ".1";
        if (!into.contains(page)) { // a command is listed once per alias
            into.add(page);
        }
        command.getSubcommands().values().forEach(sub -> collectPages(sub, into));
    }

    /** A stray '%' in a description makes picocli print a warning on stderr at every --help (and in the start-up training). */
    @Test
    void everyHelpTextFormatsWithoutWarnings() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            helpOf(CommandLineFactory.model());
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    private static void helpOf(CommandLine command) {
        command.getUsageMessage(CommandLine.Help.Ansi.OFF);
        command.getSubcommands().values().forEach(GeneratedDocsTest::helpOf);
    }

    @Test
    void escapesTroff() {
        assertThat(ManPage.escape("a\\b --redis ✓")).isEqualTo("a\\eb \\-\\-redis \\[u2713]");
    }
}
