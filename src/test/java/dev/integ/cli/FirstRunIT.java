package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.store.EmbeddedRedis;
import dev.integ.store.UnixSocketFactory;
import dev.integ.testing.Cli;
import dev.integ.testing.IntegProcess;
import dev.integ.testing.VaultFixture;
import dev.integ.testing.fakes.FakeGoogle;
import dev.integ.testing.fakes.MutableClock;
import dev.integ.testing.fakes.ScriptedBrowser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new admin on a fresh machine: the README's quick start and its "Next:" commands, read from
 * README.md itself (so this breaks when the README drifts), run verbatim as real ./integ processes in
 * an empty HOME with the embedded store, then a sign-in through the scripted browser, with no
 * `keys init` anywhere. And several first commands at once make one master key and one keyset.
 */
class FirstRunIT {
    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cli machine = Cli.inTempHome();
    private final Path masterKey = machine.home().resolve("data/integ/master-key.json");
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stopTheEmbeddedStoreAndTheFakes() throws Exception {
        integ("store", "stop");
        for (AutoCloseable c : toClose) {
            c.close();
        }
        VaultFixture.deleteRecursively(machine.home());
    }

    @Test
    void theReadmesQuickStartAndItsNextCommandsWorkVerbatimOnAFreshMachine() throws IOException {
        FakeGoogle google = new FakeGoogle("123-abc.apps.googleusercontent.com", "GOCSPX-secret", new MutableClock(Instant.now()));
        toClose.add(google);
        ScriptedBrowser browser = ScriptedBrowser.start(Files.createTempDirectory("integ-first-run-browser"));
        toClose.add(browser);
        // what `./integ providers` says Google still needs: its client id and secret (and here, the fake's endpoints)
        machine.config("""
                providers:
                  google:
                    issuer: %s
                    authorization-endpoint: %s
                    token-endpoint: %s
                    revocation-endpoint: %s
                    userinfo-endpoint: %s
                """.formatted(google.issuer(), google.authorizationEndpoint(), google.tokenEndpoint(), google.revocationEndpoint(),
                google.userinfoEndpoint()))
                .env("GOOGLE_CLIENT_ID", google.clientId()).env("GOOGLE_CLIENT_SECRET", google.clientSecret())
                .env("BROWSER", browser.command()).env("DISPLAY", ":0");
        browser.behaviour(ScriptedBrowser.Behaviour.FOLLOW);

        List<List<String>> commands = readmeCommands();
        assertThat(commands).as("the README's quick start and Next: line")
                .contains(List.of("doctor"), List.of("store", "status"), List.of("connect", "google", "--user", "alice"),
                        List.of("token", "google", "--user", "alice"), List.of("list"));
        int connectAt = commands.indexOf(List.of("connect", "google", "--user", "alice"));
        assertThat(commands.indexOf(List.of("token", "google", "--user", "alice"))).isGreaterThan(connectAt);

        Map<List<String>, IntegProcess.Result> results = new HashMap<>();
        for (List<String> command : commands) {
            IntegProcess.Result r = integ(command.toArray(String[]::new));
            assertThat(r.exitCode()).as("./integ %s%nout:%n%s%nerr:%n%s", String.join(" ", command), r.out(), r.err()).isZero();
            results.put(command, r);
        }
        assertThat(commands).noneMatch(c -> c.size() >= 2 && c.get(0).equals("keys") && c.get(1).equals("init"));

        IntegProcess.Result connect = results.get(List.of("connect", "google", "--user", "alice"));
        assertThat(connect.out()).startsWith("connected google/alice");
        assertThat(connect.err()).as("said once, by the command that created it")
                .containsOnlyOnce("integ: note: created the embedded store's master key at " + masterKey)
                .contains("back it up");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(masterKey))).isEqualTo("rw-------");
        assertThat(results.get(List.of("token", "google", "--user", "alice")).out()).isEqualTo(google.latestAccessToken() + "\n");
        results.forEach((command, r) -> {
            if (!command.get(0).equals("connect")) {
                assertThat(r.err()).as("./integ " + command).doesNotContain("master key");
            }
        });
        assertThat(results.get(List.of("list")).out()).contains("google", "alice");
        assertThat(browser.receiverStatuses()).containsExactly(200);

        IntegProcess.Result events = integ("events", "--action", "keys.init", "-o", "json");
        assertThat(events.out().lines().toList()).as(events.err()).hasSize(1);
        assertThat(events.out()).contains("\"first_use\":\"true\"");
    }

    /**
     * The processes are lined up at the keyset's creation: the test holds the `keys` lock until every
     * one of them is polling for it (each one's last command in CLIENT LIST is the lock's SET), then
     * lets them all go at once.
     */
    @Test
    void severalFirstCommandsAtOnceCreateOneMasterKeyAndOneKeyset() throws Exception {
        int n = 3;
        assertThat(integ("store", "start").exitCode()).isZero();
        Path dir = Files.createTempDirectory(machine.home(), "import");
        List<IntegProcess> processes = new ArrayList<>();
        try (Jedis redis = embeddedStore()) {
            assertThat(redis.set("integ:lock:keys", "held-by-the-test", SetParams.setParams().nx().px(120_000))).isEqualTo("OK");
            for (int i = 0; i < n; i++) {
                Path file = dir.resolve("user" + i + ".jsonl");
                Files.writeString(file, "{\"provider\": \"google\", \"user\": \"user" + i + "\", \"access_token\": \"ya29.first-run-" + i
                        + "\", \"refresh_token\": \"1//first-run-" + i + "\", \"expires_in\": 3599}\n");
                processes.add(IntegProcess.start(machine.environment(), "import", "--file", file.toString()));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (pollingForTheLock(redis) < n) {
                assertThat(System.nanoTime()).as("every first command waits for the keys lock before creating the keyset").isLessThan(deadline);
                assertThat(processes).as("a first command ended without waiting for the keys lock").allMatch(IntegProcess::isAlive);
                Thread.sleep(20); // polling an observable condition, not waiting for a result
            }
            assertThat(Files.exists(masterKey)).as("nothing sealed yet while they wait").isFalse();
            redis.del("integ:lock:keys");
        }
        List<String> errs = new ArrayList<>();
        for (IntegProcess p : processes) {
            IntegProcess.Result r = p.finish(LIMIT);
            assertThat(r.exitCode()).as(r.err()).isZero();
            errs.add(r.err());
        }
        assertThat(errs.stream().filter(e -> e.contains("created the embedded store's master key")).count())
                .as("one process created the key and said so: %s", errs).isEqualTo(1);

        IntegProcess.Result status = integ("keys", "status", "-o", "json");
        JsonNode keys = JSON.readTree(status.out());
        assertThat(keys.get("keys")).as(status.out()).hasSize(1);
        assertThat(keys.get("keyset_version").asLong()).as("created once, never replaced").isEqualTo(1);
        assertThat(keys.get("keys").get(0).get("records").asLong()).isEqualTo(n);
        IntegProcess.Result list = integ("list", "-o", "json");
        assertThat(list.exitCode()).as("every record decrypts under the one keyset: " + list.err()).isZero();
        for (int i = 0; i < n; i++) {
            assertThat(integ("token", "google", "--user", "user" + i).out()).isEqualTo("ya29.first-run-" + i + "\n");
        }
        IntegProcess.Result inits = integ("events", "--action", "keys.init", "-o", "json");
        assertThat(inits.out().lines().toList()).as("one keys.init recorded: " + inits.out()).hasSize(1);
    }

    /** Clients of the embedded store whose last command was a SET: first commands polling for the `keys` lock. */
    private static long pollingForTheLock(Jedis redis) {
        return redis.clientList().lines().filter(c -> c.contains(" cmd=set ")).count();
    }

    /**
     * A connection to the embedded store `store start` left running, found and reached as integ does:
     * its endpoint file read by {@link EmbeddedRedis}, then its unix socket (it has no TCP port).
     */
    private Jedis embeddedStore() {
        EmbeddedRedis store = new EmbeddedRedis(machine.home().resolve("data/integ/redis"), () -> {
            throw new AssertionError("the test only reaches the store `store start` started, never starts one");
        });
        EmbeddedRedis.Endpoint endpoint = store.runningEndpoint()
                .orElseThrow(() -> new AssertionError("no embedded store answers after `store start`"));
        return new Jedis(new UnixSocketFactory(endpoint.socket(), 5000, 5000),
                DefaultJedisClientConfig.builder().password(endpoint.password()).build());
    }

    /** Every `./integ ...` of README.md's "Quick start" section (code block and the "Next:" line), in order, as argv. */
    static List<List<String>> readmeCommands() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("## Quick start");
        assertThat(start).as("README.md has a Quick start section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<List<String>> commands = new ArrayList<>();
        Matcher m = Pattern.compile("\\./integ((?: [A-Za-z0-9_./@=:,-]+)*)").matcher(section);
        while (m.find()) {
            if (!m.group(1).isBlank()) { // "the `./integ` launcher" names the program, not a command
                commands.add(Arrays.asList(m.group(1).strip().split(" +")));
            }
        }
        return commands;
    }

    private IntegProcess.Result integ(String... args) {
        return IntegProcess.start(machine.environment(), args).finish(LIMIT);
    }
}
