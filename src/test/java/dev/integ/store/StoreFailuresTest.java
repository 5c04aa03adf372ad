package dev.integ.store;

import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import dev.integ.vault.CredentialStore;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A full or failing Redis is a temporary failure: exit 4, one plain line saying what the server's
 * state is, one hint, never a Lua script's hash and never a stack trace. Each state is produced for
 * real on a redis-server, then integ commands that write (through a script and without one) and read
 * are run against it.
 */
class StoreFailuresTest {
    private static final Pattern SCRIPT_HASH = Pattern.compile("[0-9a-f]{40}");
    private static final String ALICE = "{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"xoxb-alice\"}\n";
    private static final String BOB = "{\"provider\":\"slack\",\"user\":\"bob\",\"access_token\":\"xoxb-bob\"}\n";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void oneStoredCredential() {
        vault.reset();
        vault.okWithInput(ALICE, "import", "--file", "-");
    }

    /** The writes that meet the failure: import records an event by script first; keys jobs take their lock by SET; forget. */
    private static void everyWriteIsRetryLater(String url, String why) {
        assertRetryLater(vault.cli().runWithInput(BOB, "import", "--file", "-", "--redis", url), why);
        assertRetryLater(vault.cli().run("keys", "rotate", "--redis", url), why);
        assertRetryLater(vault.cli().run("forget", "slack", "--user", "alice", "--yes", "--redis", url), why);
    }

    private static void assertRetryLater(Cli.Result r, String why) {
        assertThat(r.exitCode()).as("exit code; err:%n%s", r.err()).isEqualTo(4);
        List<String> lines = r.err().lines().toList();
        assertThat(lines).as(r.err()).hasSize(2);
        assertThat(lines.get(0)).startsWith("integ: error: ").contains(": " + why);
        assertThat(lines.get(1)).startsWith("integ: hint: ");
        assertThat(r.err()).as("no script hash").doesNotContainPattern(SCRIPT_HASH);
        assertThat(r.err()).as("no stack trace").doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static int port(String url) {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    @Test
    void aFullRedisSaysSoAndChangesNothing() {
        Map<String, String> before = vault.snapshot();
        try (Jedis jedis = vault.jedis()) {
            jedis.configSet("maxmemory-policy", "noeviction");
            jedis.configSet("maxmemory", "1");
            try {
                everyWriteIsRetryLater(vault.url(), "Redis is full: maxmemory reached");
                Cli.Result doctor = vault.run("doctor");
                assertThat(doctor.out()).contains("cannot write integ:doctor:probe: Redis is full: maxmemory reached")
                        .doesNotContainPattern(SCRIPT_HASH);
                assertThat(vault.ok("list").out()).contains("alice"); // reads go on
            } finally {
                jedis.configSet("maxmemory", "0");
            }
        }
        assertThat(vault.snapshot()).isEqualTo(before);
    }

    @Test
    void aRedisThatCannotPersistSaysSo() throws Exception {
        try (Jedis jedis = vault.jedis()) {
            Path snapshot = Path.of(jedis.configGet("dir").get("dir")).resolve(jedis.configGet("dbfilename").get("dbfilename"));
            // the snapshot cannot be renamed onto a directory: the save fails, whoever runs the test (root too)
            Files.createDirectory(snapshot);
            try {
                jedis.configSet("save", "3600 1");
                jedis.configSet("stop-writes-on-bgsave-error", "yes");
                jedis.bgsave();
                await("the snapshot fails", () -> {
                    String persistence = jedis.info("persistence");
                    return persistence.contains("rdb_bgsave_in_progress:0") && persistence.contains("rdb_last_bgsave_status:err");
                });
                everyWriteIsRetryLater(vault.url(), "Redis cannot persist to disk (MISCONF)");
            } finally {
                jedis.configSet("save", "");
                Files.delete(snapshot);
            }
        }
    }

    @Test
    void aReadOnlyReplicaSaysSo() {
        try (Jedis primary = vault.jedis()) {
            primary.configSet("repl-diskless-sync-delay", "0");
        }
        try (TestRedis replica = TestRedis.start("--replicaof", "127.0.0.1", Integer.toString(port(vault.url())))) {
            replica.awaitLog("MASTER <-> REPLICA sync: Finished with success", PATIENCE);
            everyWriteIsRetryLater(replica.url(), "connected to a read-only replica");
            assertThat(vault.cli().run("list", "--redis", replica.url()).out()).contains("alice"); // reads go on
        }
    }

    @Test
    void aReplicaCutOffFromItsPrimarySaysSo() throws Exception {
        int nobody = TestRedis.freePort();
        try (TestRedis replica = TestRedis.start("--replicaof", "127.0.0.1", Integer.toString(nobody), "--replica-serve-stale-data", "no")) {
            assertRetryLater(vault.cli().run("list", "--redis", replica.url()), "the replica has lost its link to its primary (MASTERDOWN)");
        }
    }

    @Test
    void tooFewReplicasSaysSo() {
        try (Jedis jedis = vault.jedis()) {
            jedis.configSet("min-replicas-to-write", "1");
            try {
                everyWriteIsRetryLater(vault.url(), "fewer replicas are connected than its min-replicas-to-write");
            } finally {
                jedis.configSet("min-replicas-to-write", "0");
            }
        }
    }

    /**
     * A server that is still loading its data set answers LOADING. Made deterministic with Redis'
     * own test knobs: a snapshot of uncompressed 1.1 kB values loaded at 0.1 s per key takes minutes
     * (the server is stopped long before), and it serves clients between keys.
     */
    @Test
    void aRedisStillLoadingItsDataSaysSo() {
        try (TestRedis source = TestRedis.start("--rdbcompression", "no")) {
            try (Jedis jedis = new Jedis("127.0.0.1", source.port())) {
                Pipeline pipeline = jedis.pipelined();
                String value = "x".repeat(1100);
                for (int i = 0; i < 3000; i++) {
                    pipeline.set("filler:" + i, value);
                }
                pipeline.sync();
                jedis.save();
            }
            try (TestRedis loading = TestRedis.startUntilLogged("Loading RDB produced by", "--dir", source.directory().toString(),
                    "--key-load-delay", "100000", "--loading-process-events-interval-bytes", "1024")) {
                try (Jedis probe = new Jedis("127.0.0.1", loading.port())) {
                    await("the server answers LOADING", () -> {
                        try {
                            probe.ping();
                            return false;
                        } catch (JedisDataException e) {
                            return String.valueOf(e.getMessage()).startsWith("LOADING");
                        }
                    });
                }
                assertRetryLater(vault.cli().run("list", "--redis", loading.url()), "Redis is loading its data");
                assertRetryLater(vault.cli().runWithInput(BOB, "import", "--file", "-", "--redis", loading.url()), "Redis is loading its data");
                // a record read while the server loads is not a damaged record: the failure is the server's
                try (UnifiedJedis client = RedisClient.builder().hostAndPort("127.0.0.1", loading.port()).build()) {
                    assertThatThrownBy(() -> new CredentialStore(client, new RedisKeys(VaultFixture.NS)).get("slack", "alice"))
                            .isInstanceOf(JedisDataException.class).hasMessageStartingWith("LOADING");
                }
            }
        }
    }

    @Test
    void aRedisBusyWithAScriptSaysSo() throws Exception {
        try (Jedis jedis = vault.jedis()) {
            jedis.configSet("lua-time-limit", "10");
            Thread runaway = new Thread(() -> {
                try (Jedis script = vault.jedis()) {
                    script.eval("while true do end", 0);
                } catch (RuntimeException killed) {
                    // SCRIPT KILL ends it with an error
                }
            }, "runaway-script");
            runaway.start();
            try (Jedis probe = vault.jedis()) {
                await("the server answers BUSY", () -> {
                    try {
                        probe.ping();
                        return false;
                    } catch (JedisBusyException e) {
                        return true;
                    }
                });
                assertRetryLater(vault.run("list"), "Redis is busy running a script");
                assertRetryLater(vault.runWithInput(BOB, "import", "--file", "-"), "Redis is busy running a script");
            } finally {
                jedis.scriptKill();
                runaway.join();
                jedis.configSet("lua-time-limit", "5000");
            }
        }
    }
}
