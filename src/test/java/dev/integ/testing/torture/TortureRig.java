package dev.integ.testing.torture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.core.LoopbackPort;
import dev.integ.testing.TestRedis;
import dev.integ.testing.TextFiles;
import dev.integ.testing.VaultFixture;
import dev.integ.testing.fakes.FakeAtlassian;
import dev.integ.testing.fakes.FakeProvider;
import dev.integ.testing.fakes.MutableClock;
import dev.integ.testing.fakes.ScriptedBrowser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Everything a torture run talks to: a durable redis-server (append-only, fsync always) that can be
 * killed and started again on the same port and files, a fake Atlassian with strict refresh-token
 * rotation, a scripted browser, and real ./integ processes launched from the packaged jar.
 * <p>
 * Each process gets its own config file whose token endpoint ends in {@code ?caller=OP_ID}, so the
 * fake's ledger knows which process redeemed which refresh token; each lane gets its own redirect
 * port, so concurrent sign-ins do not fight over one.
 */
public final class TortureRig implements AutoCloseable {
    public static final String PROVIDER = "jira";
    static final List<String> SCOPES = List.of("read:jira-work", "offline_access");
    /** Token values the fake and this rig make; scrubbed from anything printed, just in case. */
    private static final Pattern TOKEN = Pattern.compile("(atl-rt-|atl-at-|seed-rt-|imp-at-)[A-Za-z0-9_-]+");
    /** A library's exception class named in an error message: a failure nobody translated into words. */
    private static final Pattern RAW_EXCEPTION = Pattern.compile("\\b[A-Z]\\w*(Exception|Error)\\b");
    private static final Pattern UNKNOWN_KEY = Pattern.compile("encrypted under key ([0-9a-f]{8})");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Longer than any scene keeps a process stopped (each of its key jobs waits at most 65 s for the lock, three tries). */
    private static final Duration STOPPED_ALLOWANCE = Duration.ofMinutes(12);

    public final VaultFixture vault;
    public final FakeAtlassian jira;
    private final ScriptedBrowser browser;
    private final Path work;
    private final Path integ = Path.of("integ").toAbsolutePath();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Integer> redirectPorts = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final List<Op> ops = new CopyOnWriteArrayList<>();
    private final Map<String, Op> byId = new ConcurrentHashMap<>();
    private final Map<Integer, Op> seededBy = new ConcurrentHashMap<>();
    private final List<TestRedis> servers = new CopyOnWriteArrayList<>();
    private final List<Restart> restarts = new CopyOnWriteArrayList<>();

    /** One Redis outage: killed at {@code down}, answering again at {@code up}. */
    public record Restart(long downNanos, long upNanos) {
        public Duration outage() {
            return Duration.ofNanos(upNanos - downNanos);
        }
    }

    /** One line of an import file, with the fake's number of the grant its refresh token belongs to. */
    public record Line(String user, String json, int grant) {
    }

    private TortureRig(VaultFixture vault) throws IOException {
        this.vault = vault;
        this.work = Files.createDirectories(vault.directory().resolve("torture"));
        this.jira = new FakeAtlassian("atl-client-id", "atl-client-secret", new MutableClock(Instant.now()));
        this.jira.strictRotation(true);
        this.browser = ScriptedBrowser.start(work.resolve("browser"));
        servers.add(vault.server());
    }

    public static TortureRig start() {
        VaultFixture vault = VaultFixture.start(TestRedis.DURABLE.toArray(String[]::new));
        try {
            return new TortureRig(vault);
        } catch (IOException e) {
            vault.close();
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- processes

    /** Starts {@code ./integ ARGS --redis URL} as a new operation; it runs until {@link #finish}. */
    public Op launch(Op.Kind kind, String lane, String user, Map<String, Integer> installs, String... args) {
        Op op = prepare(kind, lane, user, installs, args);
        start(op);
        return op;
    }

    /** An operation with its id (its caller tag at the fake), not started yet. */
    public Op prepare(Op.Kind kind, String lane, String user, Map<String, Integer> installs, String... args) {
        Op op = new Op("op-" + ids.incrementAndGet(), kind, lane, List.of(args), user, installs);
        ops.add(op);
        byId.put(op.id, op);
        installs.forEach((u, grant) -> seededBy.put(grant, op));
        return op;
    }

    public void start(Op op) {
        List<String> command = new ArrayList<>();
        command.add(integ.toString());
        command.addAll(List.of(vault.withRedis(op.args.toArray(String[]::new))));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out(op).toFile())
                .redirectError(err(op).toFile());
        builder.environment().clear();
        builder.environment().putAll(vault.cli().environment());
        builder.environment().put("INTEG_CONFIG", config(op).toString());
        builder.environment().put("BROWSER", browser.command());
        builder.environment().put("DISPLAY", ":0"); // a desktop session: connect opens the (scripted) browser
        builder.environment().put("JIRA_CLIENT_ID", jira.clientId());
        builder.environment().put("JIRA_CLIENT_SECRET", jira.clientSecret());
        op.startNanos = System.nanoTime();
        try {
            op.process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + integ, e);
        }
    }

    public Op run(Op.Kind kind, String lane, String user, String... args) {
        Op op = launch(kind, lane, user, Map.of(), args);
        finish(op, Worker.LONGEST_COMMAND);
        return op;
    }

    /**
     * Waits for the process to end on its own; one that does not within {@code timeout} is killed and
     * marked hung. A process a scene stopped gets as long as the scene needs on top (it resumes it).
     */
    public void finish(Op op, Duration timeout) {
        Process p = op.process;
        try {
            boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended && op.stopped) {
                ended = p.waitFor(STOPPED_ALLOWANCE.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (!ended) {
                op.timedOut = true;
                Signals.kill(p);
                p.waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Signals.kill(p);
            p.onExit().join();
        }
        op.endNanos = System.nanoTime();
        op.exitCode = p.exitValue();
        String err = TextFiles.readOrEmpty(err(op));
        if (err.isBlank() && op.exitCode != 0 && op.kind != Op.Kind.TOKEN) {
            // `refresh --all` names its failures in its summary on stdout
            err = TextFiles.readOrEmpty(out(op)).lines().filter(l -> l.startsWith("failed")).collect(Collectors.joining("\n"));
        }
        op.stackTrace = err.contains("\tat ") || err.contains("Exception in thread")
                || err.lines().anyMatch(l -> l.startsWith("integ: error") && RAW_EXCEPTION.matcher(l).find());
        op.unknownKeysReported = UNKNOWN_KEY.matcher(err).results().map(m -> m.group(1)).collect(Collectors.toUnmodifiableSet());
        // the error and its hint, not the progress lines before them
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        int from = Math.max(0, lines.indexOf(lines.stream().filter(l -> l.startsWith("integ: error")).findFirst().orElse(lines.isEmpty() ? "" : lines.get(0))));
        op.stderrHead = scrub(String.join(" / ", lines.subList(Math.min(from, lines.size()), Math.min(from + 2, lines.size()))));
    }

    /** What the process printed on stdout (a token, for `token`: never print it). */
    public String stdout(Op op) {
        return TextFiles.readOrEmpty(out(op));
    }

    public void kill(Op op) {
        op.killSent = true;
        Signals.kill(op.process);
    }

    public void stop(Op op) {
        op.stopped = true;
        Signals.stop(op.process);
    }

    public void resume(Op op) {
        Signals.resume(op.process);
    }

    public boolean alive(Op op) {
        return op.process.isAlive();
    }

    public List<Op> ops() {
        return List.copyOf(ops);
    }

    public Op op(String id) {
        return id == null ? null : byId.get(id);
    }

    /** The import that wrote the line holding the seeded grant {@code grant}, or null. */
    public Op seededBy(int grant) {
        return seededBy.get(grant);
    }

    // ---------------------------------------------------------------- credentials to import

    /** A credential for {@code user} whose refresh token is real at the fake (a new grant); the access token is not. */
    public Line line(String user, Duration accessTokenLife) {
        String refresh = jira.seedRefreshToken(SCOPES);
        int grant = jira.refreshTokenFacts(refresh).orElseThrow().grant();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provider", PROVIDER);
        doc.put("user", user);
        doc.put("access_token", "imp-at-" + random());
        doc.put("refresh_token", refresh);
        doc.put("expires_in", accessTokenLife.toSeconds());
        doc.put("scopes", SCOPES);
        try {
            return new Line(user, json.writeValueAsString(doc), grant);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Launches {@code import --file F [--replace]} for these lines. */
    public Op launchImport(String lane, List<Line> lines, boolean replace) {
        Path file = work.resolve("import-" + ids.get() + "-" + random().substring(0, 8) + ".jsonl");
        StringBuilder text = new StringBuilder();
        Map<String, Integer> installs = new LinkedHashMap<>();
        for (Line l : lines) {
            text.append(l.json()).append('\n');
            installs.put(l.user(), l.grant());
        }
        TextFiles.write(file, text.toString());
        return replace ? launch(Op.Kind.IMPORT, lane, null, installs, "import", "--file", file.toString(), "--replace")
                : launch(Op.Kind.IMPORT, lane, null, installs, "import", "--file", file.toString());
    }

    // ---------------------------------------------------------------- the store

    /** Redis as it is now (the last one started). */
    public TestRedis server() {
        return servers.get(servers.size() - 1);
    }

    /** kill -9 of redis-server; after {@code down}, the same port and files again. */
    public void restartRedis(Duration down) throws InterruptedException {
        TestRedis current = server();
        long downAt = System.nanoTime();
        current.kill();
        TimeUnit.NANOSECONDS.sleep(down.toNanos()); // the length of the outage: chaos, not a wait for a result
        TestRedis next = TestRedis.restart(current.directory(), current.port(), TestRedis.DURABLE.toArray(String[]::new));
        servers.add(next);
        restarts.add(new Restart(downAt, System.nanoTime()));
        dropBrokenConnections();
    }

    /**
     * The fixture's pooled client still holds a connection to the killed server; using it until it
     * answers discards that one here, instead of in the pool's idle check, which would log a warning.
     */
    private void dropBrokenConnections() {
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                vault.client().ping();
                return;
            } catch (RuntimeException broken) {
                // the next attempt takes the next connection, or a new one
            }
        }
    }

    public List<Restart> restarts() {
        return List.copyOf(restarts);
    }

    // ---------------------------------------------------------------- helpers

    /** Replaces anything shaped like a token the fake or this rig made. */
    public static String scrub(String text) {
        return TOKEN.matcher(text).replaceAll("<token>");
    }

    private Path config(Op op) {
        int port = redirectPorts.computeIfAbsent(op.lane, lane -> {
            try {
                int p = LoopbackPort.free();
                jira.registerRedirect("http://127.0.0.1:" + p + "/cb/jira");
                return p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Path file = work.resolve(op.id + ".yaml");
        TextFiles.write(file, """
                providers:
                  jira:
                    authorization-endpoint: %s
                    token-endpoint: %s?%s=%s
                    resources-endpoint: %s
                    redirect-port: %d
                rate-limits:
                  jira: {per-user: 100000/1m, overall: 100000/1m}
                """.formatted(jira.authorizationEndpoint(), jira.tokenEndpoint(), FakeProvider.CALLER_PARAMETER, op.id,
                jira.resourcesEndpoint(), port));
        return file;
    }

    private Path out(Op op) {
        return work.resolve(op.id + ".out");
    }

    private Path err(Op op) {
        return work.resolve(op.id + ".err");
    }

    private static String random() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public void close() {
        for (Op op : ops) {
            if (op.process != null && op.process.isAlive()) {
                Signals.resume(op.process);
                Signals.kill(op.process);
            }
        }
        jira.close();
        try {
            browser.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        servers.subList(1, servers.size()).forEach(TestRedis::close);
        vault.close();
    }
}
