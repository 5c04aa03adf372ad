package dev.integ.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged jar on a real pseudo-terminal (util-linux {@code script}), through ./integ, on the
 * JVM running the tests and every other JDK installed under /usr/lib/jvm (JDK 22 to 24 return a
 * console even for pipes; JDK 24+ warns about native code that was not allowed): each standard
 * stream gets colours only when it is the terminal, and no JVM warning reaches stderr.
 */
class TerminalStreamsIT {
    private static final String ESC = "\u001b[";

    static Stream<Path> javaHomes() throws IOException {
        Set<Path> homes = new LinkedHashSet<>();
        homes.add(Path.of(System.getProperty("java.home")).toRealPath());
        Path installed = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(installed)) {
            try (Stream<Path> dirs = Files.list(installed)) {
                for (Path dir : dirs.sorted().toList()) {
                    if (Files.isExecutable(dir.resolve("bin/java"))) {
                        homes.add(dir.toRealPath());
                    }
                }
            }
        }
        return homes.stream();
    }

    @ParameterizedTest
    @MethodSource("javaHomes")
    void eachStreamIsColouredOnlyWhenItIsTheTerminal(Path javaHome) throws Exception {
        assumeTrue(new ProcessBuilder("script", "--version").start().waitFor() == 0, "util-linux script is installed");
        Path dir = Files.createTempDirectory("integ-tty");
        Path errFile = dir.resolve("stderr.txt");

        String stdoutPiped = onTerminal(javaHome, dir, "./integ --bogus | cat");
        assertThat(stdoutPiped).as("stderr is the terminal: coloured").contains(ESC + "1m" + ESC + "31minteg: error:")
                .contains("Unknown option: '--bogus'").doesNotContain("WARNING");

        String stderrToFile = onTerminal(javaHome, dir, "./integ --bogus 2>" + errFile);
        assertThat(stderrToFile).isEmpty();
        assertThat(Files.readString(errFile)).startsWith("integ: error: Unknown option").doesNotContain(ESC).doesNotContain("WARNING");

        assertThat(onTerminal(javaHome, dir, "./integ --help")).as("stdout is the terminal").contains("Usage:").contains(ESC);
        assertThat(onTerminal(javaHome, dir, "./integ --help | cat")).as("stdout piped").contains("Usage:").doesNotContain(ESC);
        assertThat(onTerminal(javaHome, dir, "NO_COLOR=1 ./integ --bogus | cat")).startsWith("integ: error:").doesNotContain(ESC);
    }

    /** jansi cannot load its library (its temporary directory is missing): the JDK's answer, and no word from jansi. */
    @ParameterizedTest
    @MethodSource("javaHomes")
    void withoutJansisLibraryStderrHoldsOnlyIntegsOwnLines(Path javaHome) throws Exception {
        assumeTrue(new ProcessBuilder("script", "--version").start().waitFor() == 0, "util-linux script is installed");
        Path dir = Files.createTempDirectory("integ-tty");
        String jar = Path.of("target/integ.jar").toAbsolutePath().toString();
        String shown = onTerminal(javaHome, dir, "\"$JAVA_HOME/bin/java\" -Djansi.tmpdir=" + dir.resolve("missing")
                + " -jar " + jar + " --bogus | cat");
        assertThat(shown.lines().toList()).hasSize(2).allSatisfy(line -> assertThat(line).contains("integ: "));
        assertThat(shown).contains("Unknown option: '--bogus'").doesNotContain("jansi").doesNotContain("WARNING");
    }

    /** Runs a shell command line whose streams start on a new pseudo-terminal; returns what the terminal showed. */
    private static String onTerminal(Path javaHome, Path dir, String commandLine) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of("script", "-qec", commandLine, "/dev/null"))
                .directory(Path.of("").toAbsolutePath().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("INTEG_") || k.startsWith("XDG_") || k.equals("NO_COLOR") || k.equals("TERM"));
        env.put("TERM", "xterm-256color");
        env.put("HOME", dir.toString());
        env.put("JAVA_HOME", javaHome.toString());
        env.put("INTEG_CDS", "off");
        Process process = builder.start();
        byte[] shown = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s ended", commandLine).isTrue();
        return new String(shown, StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}
