package dev.integ.oauth;

import dev.integ.config.Environment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BrowserOpenerTest {
    // characters a shell would split or interpret, to prove the URL arrives as one untouched argument
    private static final URI URL = URI.create("https://auth.example.com/authorize?client_id=a&state=x%20y&scope=a+b;c$(id)");

    @TempDir
    Path dir;
    private Path argsFile;

    @BeforeEach
    void setUp() {
        argsFile = dir.resolve("args");
    }

    /** A fake browser that records its arguments, one per line, then runs {@code then}. */
    private Path fakeBrowser(String name, String then) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n"
                + "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGS_FILE.tmp\"\n"
                + "mv \"$ARGS_FILE.tmp\" \"$ARGS_FILE\"\n"
                + then + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private Environment env(String... pairs) {
        Map<String, String> vars = new HashMap<>();
        vars.put("PATH", dir + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        vars.put("ARGS_FILE", argsFile.toString());
        for (int i = 0; i < pairs.length; i += 2) {
            vars.put(pairs[i], pairs[i + 1]);
        }
        return new Environment(vars);
    }

    /** Waits for the fake browser (a separate process) to have written its arguments. */
    private List<String> recordedArgs() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(argsFile) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertThat(argsFile).as("the fake browser ran").exists();
        return Files.readAllLines(argsFile);
    }

    @Test
    void browserVariableGetsTheUrlAsItsLastArgument() throws IOException {
        Path script = fakeBrowser("mybrowser", "exit 0");

        Optional<String> opened = new BrowserOpener(env("BROWSER", script + " --new-tab:other-browser"), "Linux").open(URL);

        assertThat(opened).hasValue("$BROWSER (" + script + ")");
        assertThat(recordedArgs()).containsExactly("--new-tab", URL.toString());
    }

    @Test
    void browserVariableCommandIsLookedUpOnPath() throws IOException {
        fakeBrowser("mybrowser", "exit 0");

        assertThat(new BrowserOpener(env("BROWSER", "mybrowser"), "Linux").open(URL)).hasValue("$BROWSER (mybrowser)");
        assertThat(recordedArgs()).containsExactly(URL.toString());
    }

    @Test
    void percentSIsReplacedByTheUrl() throws IOException {
        Path script = fakeBrowser("mybrowser", "exit 0");

        new BrowserOpener(env("BROWSER", script + " --open=%s --quiet"), "Linux").open(URL);

        assertThat(recordedArgs()).containsExactly("--open=" + URL, "--quiet");
    }

    @Test
    void doesNotWaitForTheBrowserToExit() throws Exception {
        Path fifo = dir.resolve("release");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo is available");
        // the fake browser blocks until this test writes to the FIFO, which it only does after open() returned
        Path script = fakeBrowser("blocking", "read line < \"$RELEASE\"");
        BrowserOpener opener = new BrowserOpener(env("BROWSER", script.toString(), "RELEASE", fifo.toString()), "Linux");

        Optional<String> opened = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> opener.open(URL));

        assertThat(opened).isPresent();
        assertThat(recordedArgs()).containsExactly(URL.toString());
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (OutputStream release = Files.newOutputStream(fifo)) {
                release.write("go\n".getBytes());
            }
        });
    }

    @Test
    void aBrowserThatCannotBeStartedGivesEmpty() {
        assertThat(new BrowserOpener(env("BROWSER", "no-such-browser-here"), "Linux").open(URL)).isEmpty();
        assertThat(new BrowserOpener(env("BROWSER", dir.resolve("missing").toString()), "Linux").open(URL)).isEmpty();
        assertThat(new BrowserOpener(env("BROWSER", ":"), "Linux").open(URL)).isEmpty();
    }

    @Test
    void linuxUsesXdgOpenOnlyWithADisplay() throws IOException {
        fakeBrowser("xdg-open", "exit 0");

        assertThat(new BrowserOpener(env(), "Linux").open(URL)).isEmpty();
        assertThat(argsFile).doesNotExist();

        assertThat(new BrowserOpener(env("WAYLAND_DISPLAY", "wayland-0"), "Linux").open(URL)).hasValue("xdg-open");
        assertThat(recordedArgs()).containsExactly(URL.toString());
    }

    @Test
    void linuxWithoutXdgOpenGivesEmpty() {
        Environment noXdgOpen = new Environment(Map.of("PATH", dir.toString(), "DISPLAY", ":0"));
        assertThat(new BrowserOpener(noXdgOpen, "Linux").open(URL)).isEmpty();
    }

    @Test
    void macUsesOpen() throws IOException {
        fakeBrowser("open", "exit 0");

        assertThat(new BrowserOpener(env(), "Mac OS X").open(URL)).hasValue("open");
        assertThat(recordedArgs()).containsExactly(URL.toString());
    }

    @ParameterizedTest(name = "{0} BROWSER={1} SSH={2} DISPLAY={3} WAYLAND={4} -> {5}")
    @CsvSource({
            "Linux,    ,        ,        ,    ,          true",
            "Linux,    ,        ,        :0,  ,          false",
            "Linux,    ,        ,        ,    wayland-0, false",
            "Linux,    ,        1 2 3 4, :0,  ,          true",
            "Linux,    firefox, 1 2 3 4, ,    ,          false",
            "Linux,    firefox, ,        ,    ,          false",
            "Mac OS X, ,        ,        ,    ,          false",
            "Mac OS X, ,        1 2 3 4, ,    ,          true",
            "Mac OS X, open,    1 2 3 4, ,    ,          false"})
    void noLocalBrowser(String os, String browser, String ssh, String display, String wayland, boolean paste) {
        Map<String, String> vars = new HashMap<>();
        put(vars, "BROWSER", browser);
        put(vars, "SSH_CONNECTION", ssh);
        put(vars, "DISPLAY", display);
        put(vars, "WAYLAND_DISPLAY", wayland);

        assertThat(new BrowserOpener(new Environment(vars), os).whyNoLocalBrowser().isPresent()).isEqualTo(paste);
    }

    @Test
    void theReasonNamesWhatIntegSaw() {
        assertThat(new BrowserOpener(new Environment(Map.of("SSH_TTY", "/dev/pts/1", "DISPLAY", ":0")), "Linux").whyNoLocalBrowser())
                .hasValue("this is an SSH session (SSH_TTY is set)");
        assertThat(new BrowserOpener(new Environment(Map.of()), "Linux").whyNoLocalBrowser())
                .hasValue("there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set) and no $BROWSER");
    }

    private static void put(Map<String, String> vars, String name, String value) {
        if (value != null) {
            vars.put(name, value);
        }
    }
}
