package dev.integ.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar, run through the ./integ launcher as a user would: a fresh HOME, the embedded
 * store, the start-up archive, and two processes racing to start the store.
 */
class LauncherIT {
    private final Path home = Files.createTempDirectory("integ-it-home");

    record Run(int exitCode, String out, String err) {
    }

    LauncherIT() throws IOException {
    }

    @AfterEach
    void stopTheStore() throws Exception {
        launch("store", "stop").waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void versionDoctorAndTheStartUpArchive() throws Exception {
        Run version = run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("integ ");
        assertThat(version.err()).isEmpty();
        assertThat(archives()).as("--version is not worth archiving").isEmpty();

        Run first = run("doctor");
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).startsWith("Store: embedded Redis at /").contains("/redis.sock (data in ").endsWith("integ is ready.\n");
        assertThat(first.err()).as("no JVM or library warnings").isEmpty();
        assertThat(archives()).hasSize(1);

        Run second = run("doctor", "-o", "json");
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).contains("\"healthy\" : true");
        assertThat(second.err()).isEmpty();
    }

    /** issue 13's budget: `integ api` within 1.10x of `integ token` + curl, which needs its path in the one archive. */
    @Test
    void theArchiveRecordedByAnotherCommandCoversTheApiPath() throws Exception {
        assertThat(run("doctor").exitCode()).isZero();
        assertThat(archives()).hasSize(1);

        Path log = home.resolve("classes.log");
        ProcessBuilder api = builder("api", "slack", "auth.test", "--user", "nobody");
        api.environment().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + log);
        Run r = finish(api.start());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(3);

        // lambdas are spun again when their call site differs from the recorded run's: only named classes count
        List<String> loaded = Files.readAllLines(log).stream()
                .filter(l -> l.matches(".* dev\\.integ\\.(api|http|ratelimit)\\.[^ $]+(\\$[A-Za-z]+)* source: .*")).toList();
        assertThat(loaded).anyMatch(l -> l.contains(" dev.integ.http.OutboundHttp source: "))
                .anyMatch(l -> l.contains(" dev.integ.api.ApiRequest source: "))
                .allMatch(l -> l.endsWith("source: shared objects file (top)"));
    }

    @Test
    void twoProcessesStartedTogetherShareOneServer() throws Exception {
        Process a = launch("store", "start", "-o", "json");
        Process b = launch("store", "start", "-o", "json");
        Run ra = finish(a);
        Run rb = finish(b);
        assertThat(ra.exitCode()).as(ra.err()).isZero();
        assertThat(rb.exitCode()).as(rb.err()).isZero();
        assertThat(ra.out()).contains("\"pid\"").isEqualTo(rb.out());
    }

    @Test
    void aMissingJarSaysHowToBuildIt() throws Exception {
        ProcessBuilder builder = builder("--version");
        builder.environment().put("INTEG_JAR", home.resolve("nope.jar").toString());
        Run r = finish(builder.start());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("integ: error: " + home.resolve("nope.jar") + " does not exist", "mvn -B -q package");
    }

    @Test
    void badUsageExitsWithTwoAndNoStackTrace() throws Exception {
        Run r = run("doctor", "--redis", "redis://[::1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("integ: error: invalid Redis URL").doesNotContain("\tat ");
    }

    private List<Path> archives() throws IOException {
        Path dir = home.resolve("cache/integ/cds");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".jsa")).toList();
        }
    }

    private Run run(String... args) throws Exception {
        return finish(launch(args));
    }

    private Process launch(String... args) throws IOException {
        return builder(args).start();
    }

    private ProcessBuilder builder(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of("integ").toAbsolutePath().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("INTEG_") || k.startsWith("XDG_") || k.equals("NO_COLOR"));
        env.put("HOME", home.toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        return builder;
    }

    private static Run finish(Process process) throws Exception {
        process.getOutputStream().close();
        var out = process.getInputStream().readAllBytes();
        var err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
