package dev.integ.testing.reliability;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.Services;
import dev.integ.config.Environment;
import dev.integ.core.LoopbackPort;
import dev.integ.testing.Cli;
import dev.integ.testing.TextFiles;
import dev.integ.testing.fakes.FakeAtlassian;
import dev.integ.testing.fakes.FakeProvider;
import dev.integ.testing.fakes.MutableClock;
import dev.integ.testing.fakes.ScriptedBrowser;
import dev.integ.testing.Signals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a reliability run talks to besides Redis: a fake Atlassian with strict refresh-token rotation
 * (a refresh token presented twice kills its grant, so a refresh whose successor was lost shows), a
 * scripted browser for `connect`, and real ./integ processes from the packaged jar, each with its own
 * config file whose token endpoint names the process ({@code ?caller=ID}), so the fake's ledger says
 * which process redeemed which refresh token. Output goes to files, which a test may read while the
 * process still runs (`events tail`).
 */
public final class ReliabilityRig implements AutoCloseable {
    public static final String PROVIDER = "jira";
    public static final List<String> SCOPES = List.of("read:jira-work", "offline_access");
    /** Longer than any command takes across a failover (their Redis timeouts are seconds). */
    public static final Duration LONGEST_COMMAND = Duration.ofSeconds(120);

    public final FakeAtlassian jira;
    private final ScriptedBrowser browser;
    private final Topology topology;
    private final Path work;
    private final Map<String, String> env;
    private final int redirectPort;
    private final AtomicInteger ids = new AtomicInteger();
    private final List<Run> runs = new CopyOnWriteArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    /** One ./integ process. */
    public final class Run {
        public final String id;
        public final List<String> args;
        private final Process process;
        private final Path out;
        private final Path err;
        private Integer exitCode;

        private Run(String id, List<String> args) throws IOException {
            this.id = id;
            this.args = args;
            this.out = work.resolve(id + ".out");
            this.err = work.resolve(id + ".err");
            List<String> command = new ArrayList<>();
            command.add(Path.of("integ").toAbsolutePath().toString());
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().clear();
            builder.environment().putAll(env);
            builder.environment().put("INTEG_CONFIG", config(id).toString());
            this.process = builder.start();
        }

        /** Waits for the end; a process still running after {@link #LONGEST_COMMAND} is killed and fails the run. */
        public Run finish() {
            try {
                if (!process.waitFor(LONGEST_COMMAND.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill();
                    process.waitFor();
                    throw new AssertionError("./integ " + String.join(" ", args) + " did not end within " + LONGEST_COMMAND + "; stderr: " + err());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            exitCode = process.exitValue();
            return this;
        }

        /** SIGTERM (as Ctrl-C would stop it), then waits for the end. */
        public Run stop() {
            List<Long> pids = new ArrayList<>(process.descendants().map(ProcessHandle::pid).toList());
            pids.add(process.pid());
            Signals.send("TERM", pids);
            return finish();
        }

        /** SIGKILL to the JVM and the launcher (children first: the launcher records the start-up archive from a child). */
        private void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        public int exitCode() {
            return exitCode;
        }

        public boolean succeeded() {
            return exitCode != null && exitCode == 0;
        }

        public String out() {
            return TextFiles.readOrEmpty(out);
        }

        public String err() {
            return TextFiles.readOrEmpty(err);
        }

        /** The first error line and its hint, for a report. */
        public String errorLine() {
            return err().lines().filter(l -> l.startsWith("integ: error") || l.startsWith("integ: hint")).limit(2)
                    .reduce((a, b) -> a + " / " + b).orElse(err().lines().findFirst().orElse(""));
        }

        @Override
        public String toString() {
            return id + " (integ " + String.join(" ", args) + (exitCode == null ? "" : ", exit " + exitCode) + ")";
        }
    }

    private ReliabilityRig(Topology topology, Path work) throws IOException {
        this.topology = topology;
        this.work = work;
        this.jira = new FakeAtlassian("atl-client-id", "atl-client-secret", new MutableClock(Instant.now()));
        this.jira.strictRotation(true);
        this.browser = ScriptedBrowser.start(work.resolve("browser"));
        this.redirectPort = LoopbackPort.free();
        jira.registerRedirect("http://127.0.0.1:" + redirectPort + "/cb/jira");
        Cli home = new Cli(Files.createDirectories(work.resolve("home")));
        Map<String, String> e = new HashMap<>(home.environment());
        e.put("INTEG_REDIS_URL", topology.url());
        e.put("INTEG_MASTER_KEY_FILE", work.resolve("master-key.json").toString());
        e.put("BROWSER", browser.command());
        e.put("DISPLAY", ":0"); // a desktop session: connect opens the (scripted) browser
        e.put("JIRA_CLIENT_ID", jira.clientId());
        e.put("JIRA_CLIENT_SECRET", jira.clientSecret());
        this.env = Map.copyOf(e);
    }

    public static ReliabilityRig start(Topology topology, Path work) {
        try {
            return new ReliabilityRig(topology, Files.createDirectories(work));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Topology topology() {
        return topology;
    }

    /** Starts {@code ./integ ARGS} against the topology. */
    public Run launch(String... args) {
        try {
            Run run = new Run("run-" + ids.incrementAndGet(), List.of(args));
            runs.add(run);
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code ./integ ARGS} to its end. */
    public Run run(String... args) {
        return launch(args).finish();
    }

    /** integ in this JVM, with the processes' environment and a config file of its own: for the quick commands of the smoke pass. */
    public Cli cli() {
        Cli cli = new Cli(Path.of(env.get("HOME")));
        env.forEach(cli::env);
        return cli.env("INTEG_CONFIG", config("in-process").toString());
    }

    /** The services one invocation would use, for the checks afterwards (close them). */
    public Services services() {
        Map<String, String> e = new HashMap<>(env);
        e.put("INTEG_CONFIG", config("checks").toString());
        return new Services(new Environment(Map.copyOf(e)));
    }

    public List<Run> runs() {
        return List.copyOf(runs);
    }

    /** A JSON-lines import file with these lines. */
    public Path importFile(String name, List<String> lines) {
        Path file = work.resolve(name + ".jsonl");
        TextFiles.write(file, String.join("\n", lines) + "\n");
        return file;
    }

    /** A jira credential whose refresh token is real at the fake (a new grant), expiring within the hour. */
    public String jiraLine(String user) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provider", PROVIDER);
        doc.put("user", user);
        doc.put("access_token", "imp-at-" + user);
        doc.put("refresh_token", jira.seedRefreshToken(SCOPES));
        doc.put("expires_in", 600);
        doc.put("scopes", SCOPES);
        return toJson(doc);
    }

    /** A google credential no refresh ever touches (its tokens are not real anywhere). */
    public String googleLine(String user) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provider", "google");
        doc.put("user", user);
        doc.put("access_token", "imp-at-" + user);
        doc.put("refresh_token", "imp-rt-" + user);
        doc.put("expires_in", 3600);
        return toJson(doc);
    }

    private String toJson(Map<String, Object> doc) {
        try {
            return json.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path config(String caller) {
        Path file = work.resolve(caller + ".yaml");
        TextFiles.write(file, """
                providers:
                  jira:
                    authorization-endpoint: %s
                    token-endpoint: %s?%s=%s
                    resources-endpoint: %s
                    redirect-port: %d
                rate-limits:
                  jira: {per-user: 100000/1m, overall: 100000/1m}
                """.formatted(jira.authorizationEndpoint(), jira.tokenEndpoint(), FakeProvider.CALLER_PARAMETER, caller,
                jira.resourcesEndpoint(), redirectPort));
        return file;
    }

    @Override
    public void close() {
        for (Run run : runs) {
            if (run.process.isAlive()) {
                run.kill();
            }
        }
        jira.close();
        try {
            browser.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
