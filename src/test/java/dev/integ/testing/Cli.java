package dev.integ.testing;

import dev.integ.Services;
import dev.integ.cli.Main;
import dev.integ.config.Environment;
import dev.integ.oauth.PollClock;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs integ in-process with its own environment: a fresh HOME and XDG directories, the real PATH,
 * and nothing else from the test JVM's environment (so a developer's INTEG_REDIS_URL never leaks in).
 */
public final class Cli {
    private final Map<String, String> env = new HashMap<>();
    private final Path home;
    private volatile PollClock pollClock = PollClock.REAL;

    public record Result(int exitCode, String out, String err) {
    }

    public Cli(Path home) {
        this.home = home;
        env.put("HOME", home.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
    }

    public static Cli inTempHome() {
        try {
            return new Cli(Files.createTempDirectory("integ-test-home"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Cli env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    /** What polling (the device grant's) waits with from now on: a virtual clock keeps tests from sleeping through intervals. */
    public Cli pollClock(PollClock clock) {
        this.pollClock = clock;
        return this;
    }

    public Path home() {
        return home;
    }

    public Map<String, String> environment() {
        return Map.copyOf(env);
    }

    /** Writes the config file at its default location. */
    public Cli config(String yaml) {
        try {
            Path file = home.resolve("config/integ/config.yaml");
            Files.createDirectories(file.getParent());
            Files.writeString(file, yaml);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Result run(String... args) {
        return runWithInput("", args);
    }

    /** Runs with {@code stdin} as standard input (not a terminal). */
    public Result runWithInput(String stdin, String... args) {
        return runWithStdin(new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)), args);
    }

    /** Runs with {@code stdin} as standard input: a pipe lets a test answer a prompt once it knows the answer. */
    public Result runWithStdin(java.io.InputStream stdin, String... args) {
        return run(stdin, false, env, pollClock, args);
    }

    /** Runs as if on a terminal (so integ may ask), with {@code typed} as what the admin types; colour off. */
    public Result runOnTerminal(String typed, String... args) {
        Map<String, String> plain = new java.util.HashMap<>(env);
        plain.put("NO_COLOR", "1");
        return run(new java.io.ByteArrayInputStream(typed.getBytes(java.nio.charset.StandardCharsets.UTF_8)), true, plain, pollClock, args);
    }

    private static Result run(java.io.InputStream stdin, boolean terminal, Map<String, String> env, PollClock pollClock, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new Services(new Environment(Map.copyOf(env)), pollClock), stdin, new PrintWriter(out, true),
                new PrintWriter(err, true), terminal);
        return new Result(code, out.toString(), err.toString());
    }
}
