package dev.integ.store;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.events.AlertRules;
import dev.integ.events.RedisEventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.keys.IntegrityAlarm;
import dev.integ.keys.Keyring;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.testing.Cli;
import dev.integ.testing.ObservableState;
import dev.integ.testing.TestRedis;
import dev.integ.vault.CredentialStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Writes integ reports as done are on N replicas ({@link ReplicaAcks}): a primary with one replica,
 * a server without any, and a Cluster shard with a replica, all real redis-server processes. A
 * replica stopped with SIGSTOP keeps its connection but acknowledges nothing, which is what a WAIT
 * sent on the wrong connection (one that wrote nothing) would not notice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaAcksTest {
    private static final String UNCONFIRMED = "integ: error: written to the primary but not confirmed by 1 replica(s) within 300ms: rerun to be sure\n";

    private TestRedis primary;
    private TestRedis replica;
    private TestRedis alone;
    private Path masterKey;

    @BeforeAll
    void start(@TempDir Path dir) {
        masterKey = dir.resolve("master-key.json");
        primary = TestRedis.start("--repl-diskless-sync-delay", "0");
        replica = TestRedis.start("--replicaof", "127.0.0.1", Integer.toString(primary.port()), "--replica-announce-ip", "127.0.0.1");
        awaitInSync(primary, replica);
        alone = TestRedis.start();
    }

    @AfterAll
    void stop() {
        for (TestRedis r : new TestRedis[] {replica, primary, alone}) {
            if (r != null) {
                r.close();
            }
        }
    }

    static void awaitInSync(TestRedis primary, TestRedis replica) {
        replica.awaitLog("MASTER <-> REPLICA sync: Finished with success", Duration.ofSeconds(20));
        ObservableState.await(Duration.ofSeconds(20), "the primary sees its replica online",
                () -> info(primary, "replication").contains("state=online"));
    }

    /**
     * Stops the replica once it has acknowledged everything written so far, so the only unconfirmed
     * write is the one under test (a WAIT that covered only an older write would then pass). Replication
     * is in order: a replica that confirmed this connection's write has everything written before it.
     */
    static void pauseCaughtUp(TestRedis primary, TestRedis replica) {
        try (Jedis jedis = jedis(primary)) {
            jedis.set("test:caught-up", Long.toString(System.nanoTime()));
            assertThat(jedis.waitReplicas(1, 20_000)).as("the replica confirmed everything so far").isEqualTo(1);
        }
        replica.pause();
    }

    // ---- through the CLI ----

    @Test
    void everyWriteIntegConfirmedIsOnTheReplicaWhenItExits() {
        Cli cli = cli().env("INTEG_REDIS_MIN_REPLICA_ACKS", "1");
        resetStats(primary);

        ok(cli.run("keys", "init", "--namespace", "a", "--redis", primary.url()));
        ok(cli.runWithInput(users("u", 10), "import", "--file", "-", "--namespace", "a", "--redis", primary.url()));
        ok(cli.run("forget", "google", "--user", "u3", "--yes", "--namespace", "a", "--redis", primary.url()));

        // read the replica at once: no waiting for it to catch up, since integ already did
        try (Jedis p = jedis(primary); Jedis r = jedis(replica)) {
            assertThat(durable(r, "a")).isEqualTo(durable(p, "a"));
            assertThat(durable(r, "a")).containsKeys("a:keyset", "a:cred:google:u0").doesNotContainKey("a:cred:google:u3");
        }
        assertThat(calls(primary, "wait")).as("WAITs sent").isPositive();
    }

    @Test
    void anUnconfirmedWriteExitsFourAndWhatWasWrittenIsStillReadable() {
        Cli cli = cli();
        ok(cli.run("keys", "init", "--namespace", "b", "--redis", primary.url()));
        Cli acks = cli().env("INTEG_REDIS_MIN_REPLICA_ACKS", "1").env("INTEG_REDIS_ACK_TIMEOUT", "300ms");
        pauseCaughtUp(primary, replica);
        try {
            Cli.Result r = acks.runWithInput(users("v", 10), "import", "--file", "-", "--namespace", "b", "--redis", primary.url());

            assertThat(r.exitCode()).as("exit code; err:%n%s", r.err()).isEqualTo(4);
            assertThat(r.err()).startsWith(UNCONFIRMED).contains("integ: hint: 0 of 1 confirmed");
            assertThat(r.out()).isEmpty();
            try (Jedis p = jedis(primary)) {
                assertThat(p.keys("b:cred:*")).as("the import stopped at its first write").isEmpty();
            }
        } finally {
            replica.resume();
        }
        // that write, the event recorded before anything changes, is on the primary
        Cli.Result events = ok(cli.run("events", "--action", "import.", "-o", "json", "--namespace", "b", "--redis", primary.url()));
        assertThat(events.out()).contains("\"action\":\"import.start\"");

        // and the rerun completes once the replica answers again
        ok(acks.runWithInput(users("v", 10), "import", "--file", "-", "--namespace", "b", "--redis", primary.url()));
    }

    @Test
    void aStandaloneServerIsNotWaitedOnUnlessAsked() {
        Cli byDefault = cli();
        resetStats(primary);
        ok(byDefault.run("keys", "init", "--namespace", "c", "--redis", primary.url()));
        ok(byDefault.runWithInput(users("w", 10), "import", "--file", "-", "--namespace", "c", "--redis", primary.url()));
        ok(byDefault.run("forget", "google", "--user", "w1", "--yes", "--namespace", "c", "--redis", primary.url()));
        assertThat(info(primary, "commandstats")).as("no WAIT by default on a standalone server").doesNotContain("cmdstat_wait:");

        ok(byDefault.run("forget", "google", "--user", "w2", "--yes", "--namespace", "c", "--redis", primary.url(),
                "--redis-min-replica-acks", "1"));
        assertThat(calls(primary, "wait")).as("forget's event and delete, each with its WAIT").isEqualTo(2);
    }

    @Test
    void askingForAReplicaThatIsNotThereFailsEveryWrite() {
        Cli cli = cli().env("INTEG_REDIS_MIN_REPLICA_ACKS", "1").env("INTEG_REDIS_ACK_TIMEOUT", "300ms");

        Cli.Result init = cli.run("keys", "init", "--namespace", "d", "--redis", alone.url());

        assertThat(init.exitCode()).as("exit code; err:%n%s", init.err()).isEqualTo(4);
        assertThat(init.err()).startsWith(UNCONFIRMED);
        Cli.Result doctor = cli.run("doctor", "--redis", alone.url());
        assertThat(doctor.exitCode()).isEqualTo(1);
        assertThat(doctor.out()).contains("✗ replication  standalone server, no replicas; writes wait for 1 replica (from INTEG_REDIS_MIN_REPLICA_ACKS), up to 300ms")
                .contains("hint: every credential, keyset and event write will fail (exit 4) until 1 replica(s) are in sync");
    }

    @Test
    void doctorShowsTheReplicasAndWhatWritesWaitFor() {
        Cli.Result byDefault = ok(cli().run("doctor", "--redis", primary.url()));
        assertThat(byDefault.out()).containsPattern("✓ replication  standalone server, 1 of 1 replica\\(s\\) in sync \\(127\\.0\\.0\\.1:"
                + replica.port() + " online, lag \\d+s, \\d+ bytes behind\\); writes wait for none \\(the default for a standalone server\\)"
                + "; server min-replicas-to-write 0, min-replicas-max-lag 10s\n");

        Cli.Result tooMany = cli().run("doctor", "--redis", primary.url(), "--redis-min-replica-acks", "2");
        assertThat(tooMany.exitCode()).isEqualTo(1);
        assertThat(tooMany.out()).contains("✗ replication  standalone server, 1 of 1 replica(s) in sync")
                .contains("writes wait for 2 replicas (from --redis-min-replica-acks), up to 2s");
    }

    // ---- the mechanism, one kind of write at a time ----

    @Test
    void credentialKeysetAndEventWritesEachFailUnconfirmedAndStayReadable() {
        ok(cli().run("keys", "init", "--namespace", "e0", "--redis", primary.url()));  // creates the master key file
        RedisKeys keys = new RedisKeys("e");
        try (UnifiedJedis client = RedisClient.builder().hostAndPort("127.0.0.1", primary.port()).build()) {
            ReplicaAcks acks = new ReplicaAcks(client, RedisTarget.Topology.STANDALONE, new ReplicaAcks.Setting(1, Duration.ofMillis(300), "test"));
            CredentialStore store = new CredentialStore(client, keys, acks);
            Keyring keyring = new Keyring(client, keys, new KeysetFileMasterKey(masterKey, "test"), Clock.systemUTC(), IntegrityAlarm.NONE, acks);
            RedisEventLog events = new RedisEventLog(client, keys, new UserHasher(client, keys, () -> new KeysetFileMasterKey(masterKey, "test")),
                    "test@host", "c0ffee", Clock.systemUTC(), RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS).acknowledgedBy(acks);

            pauseCaughtUp(primary, replica);
            try {
                assertUnconfirmed(() -> store.compareAndSet(write(keys, "x", 0)));
                assertThat(store.get("google", "x")).as("the record is on the primary").isPresent();
            } finally {
                replica.resume();
            }
            pauseCaughtUp(primary, replica);
            try {
                assertUnconfirmed(keyring::create);
                assertThat(keyring.loadIfPresent()).as("the keyset is on the primary").isPresent();
            } finally {
                replica.resume();
            }
            pauseCaughtUp(primary, replica);
            try {
                assertUnconfirmed(() -> events.record(SecurityEvent.success("forget", "google", "x", Map.of())));
                assertThat(client.xlen(keys.events())).isEqualTo(1);
            } finally {
                replica.resume();
            }
            pauseCaughtUp(primary, replica);
            try {
                assertUnconfirmed(() -> store.delete("google", "x"));
                assertThat(store.get("google", "x")).isEmpty();
            } finally {
                replica.resume();
            }
            // the same writes, confirmed once the replica answers
            assertThat(store.compareAndSet(write(keys, "y", 0))).isEqualTo(CredentialStore.Outcome.APPLIED);
        }
    }

    @Test
    void aBatchWaitsOnceAfterAllItsWrites() {
        RedisKeys keys = new RedisKeys("f");
        try (UnifiedJedis client = RedisClient.builder().hostAndPort("127.0.0.1", primary.port()).build()) {
            CredentialStore store = new CredentialStore(client, keys,
                    new ReplicaAcks(client, RedisTarget.Topology.STANDALONE, new ReplicaAcks.Setting(1, Duration.ofSeconds(1), "test")));
            client.scriptFlush(); // the batch also finds out that the server lost its scripts
            resetStats(primary);

            List<CredentialStore.Outcome> outcomes = store.compareAndSetAll(IntStream.range(0, 1000).mapToObj(i -> write(keys, "b" + i, 0)).toList());

            assertThat(outcomes).hasSize(1000).containsOnly(CredentialStore.Outcome.APPLIED);
            assertThat(calls(primary, "wait")).isEqualTo(1);
            try (Jedis r = jedis(replica)) {
                assertThat(r.keys("f:cred:*")).hasSize(1000);
            }

            pauseCaughtUp(primary, replica);
            try {
                assertThatThrownBy(() -> store.compareAndSetAll(IntStream.range(0, 1000).mapToObj(i -> write(keys, "c" + i, 0)).toList()))
                        .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER));
            } finally {
                replica.resume();
            }
            assertThat(store.get("google", "c999")).as("the batch is on the primary").isPresent();
        }
    }

    @Test
    void settingsAreCheckedAtStartUp() {
        Cli.Result bad = cli().run("store", "status", "--redis", primary.url(), "--redis-min-replica-acks", "one");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).startsWith("integ: error: invalid redis.min-replica-acks 'one' (from --redis-min-replica-acks)");
        Cli.Result zero = cli().env("INTEG_REDIS_ACK_TIMEOUT", "0s").run("store", "status", "--redis", primary.url());
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).startsWith("integ: error: invalid redis.ack-timeout '0s': it must be longer than zero");
    }

    // ---- a Cluster shard with a replica ----

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Cluster {
        private TestRedis shardPrimary;
        private TestRedis shardReplica;

        @BeforeAll
        void startShardWithReplica(@TempDir Path dir) {
            shardPrimary = TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("a.conf").toString(),
                    "--repl-diskless-sync-delay", "0");
            shardReplica = TestRedis.start("--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("b.conf").toString(),
                    "--replica-announce-ip", "127.0.0.1");
            try (Jedis a = jedis(shardPrimary); Jedis b = jedis(shardReplica)) {
                a.clusterAddSlotsRange(0, 16383);
                String primaryId = a.clusterMyId();
                a.clusterMeet("127.0.0.1", shardReplica.port());
                ObservableState.await(Duration.ofSeconds(20), "the replica node knows the primary", () -> b.clusterNodes().contains(primaryId));
                b.clusterReplicate(primaryId);
                awaitInSync(shardPrimary, shardReplica);
                shardPrimary.awaitLog("Cluster state changed: ok", Duration.ofSeconds(20));
                ObservableState.await(Duration.ofSeconds(20), "the primary lists its replica",
                        () -> a.clusterNodes().lines().anyMatch(l -> l.contains("slave " + primaryId)));
            }
        }

        @AfterAll
        void stop() {
            if (shardReplica != null) {
                shardReplica.close();
            }
            if (shardPrimary != null) {
                shardPrimary.close();
            }
        }

        @Test
        void aShardWithAReplicaIsWaitedOnByDefault() {
            String url = "redis-cluster://127.0.0.1:" + shardPrimary.port();
            resetStats(shardPrimary);

            ok(cli().run("keys", "init", "--redis", url));
            ok(cli().runWithInput(users("k", 10), "import", "--file", "-", "--redis", url));

            assertThat(calls(shardPrimary, "wait")).isPositive();
            try (Jedis p = jedis(shardPrimary); Jedis r = jedis(shardReplica)) {
                r.readonly();
                assertThat(durable(r, "integ")).isEqualTo(durable(p, "integ")).containsKey("integ:cred:google:k9");
            }
            Cli.Result doctor = ok(cli().run("doctor", "--redis", url));
            assertThat(doctor.out()).containsPattern("✓ replication  cluster of 1 primaries; 127\\.0\\.0\\.1:" + shardPrimary.port()
                    + ": 1 of 1 replica\\(s\\) in sync \\(127\\.0\\.0\\.1:" + shardReplica.port() + " online, [^)]*\\); writes wait for "
                    + "1 replica on each shard that has one \\(the default for a Cluster\\), up to 2s\n");

            pauseCaughtUp(shardPrimary, shardReplica);
            try {
                Cli.Result unconfirmed = cli().env("INTEG_REDIS_ACK_TIMEOUT", "300ms")
                        .run("forget", "google", "--user", "k1", "--yes", "--redis", url);
                assertThat(unconfirmed.exitCode()).as("exit code; err:%n%s", unconfirmed.err()).isEqualTo(4);
                assertThat(unconfirmed.err()).startsWith(UNCONFIRMED);
            } finally {
                shardReplica.resume();
            }
        }
    }

    // ---- helpers ----

    private Cli cli() {
        return Cli.inTempHome().env("INTEG_MASTER_KEY_FILE", masterKey.toString());
    }

    private static Cli.Result ok(Cli.Result r) {
        return ok(r, 0);
    }

    private static Cli.Result ok(Cli.Result r, int exitCode) {
        assertThat(r.exitCode()).as("exit code; out:%n%s%nerr:%n%s", r.out(), r.err()).isEqualTo(exitCode);
        return r;
    }

    private static String users(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> "{\"provider\":\"google\",\"user\":\"" + prefix + i
                + "\",\"access_token\":\"at-" + prefix + i + "\",\"refresh_token\":\"rt-" + prefix + i + "\",\"expires_in\":3600}")
                .collect(Collectors.joining("\n", "", "\n"));
    }

    private static CredentialStore.Write write(RedisKeys keys, String user, long expectedRev) {
        return new CredentialStore.Write(keys.credential("google", user), expectedRev, ("record of " + user).getBytes(StandardCharsets.UTF_8),
                null, false, Instant.now().plus(Duration.ofHours(1)).toEpochMilli());
    }

    private static void assertUnconfirmed(Runnable write) {
        assertThatThrownBy(write::run).isInstanceOfSatisfying(IntegException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
            assertThat(e.getMessage()).isEqualTo("written to the primary but not confirmed by 1 replica(s) within 300ms: rerun to be sure");
        });
    }

    /** What integ promises is durable once it exits 0: credentials, keyset, and how many events. */
    private static Map<String, String> durable(Jedis jedis, String namespace) {
        Map<String, String> found = new TreeMap<>();
        for (String key : new TreeSet<>(jedis.keys(namespace + ":*"))) {
            if (key.contains(":cred:") || key.endsWith(":keyset")) {
                found.put(key, jedis.hgetAll(key).entrySet().stream().filter(e -> !e.getKey().startsWith("created"))
                        .map(e -> e.getKey() + "=" + e.getValue().hashCode()).sorted().toList().toString());
            } else if (key.endsWith(":events")) {
                found.put(key, "events: " + jedis.xlen(key));
            }
        }
        return found;
    }

    private static Jedis jedis(TestRedis redis) {
        return new Jedis("127.0.0.1", redis.port());
    }

    static String info(TestRedis redis, String section) {
        try (Jedis jedis = jedis(redis)) {
            return jedis.info(section);
        }
    }

    private static void resetStats(TestRedis redis) {
        try (Jedis jedis = jedis(redis)) {
            jedis.configResetStat();
        }
    }

    /** calls=N of one command in INFO commandstats; 0 when it never ran. */
    static long calls(TestRedis redis, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(info(redis, "commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
