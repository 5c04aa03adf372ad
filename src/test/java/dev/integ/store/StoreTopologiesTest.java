package dev.integ.store;

import dev.integ.testing.Cli;
import dev.integ.testing.TestCertificates;
import dev.integ.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * integ against every kind of Redis it accepts, through the real CLI: a password-protected server,
 * Sentinel, Cluster and TLS (with and without client certificates). Every server is a throwaway
 * redis-server on a free loopback port, started and stopped by the nested class that needs it.
 */
class StoreTopologiesTest {

    // ---- helpers ----

    /** Doctor printed the two checks that matter for a usable store, and nothing went to stderr. */
    private static void assertStoreUsable(Cli.Result doctor) {
        assertThat(doctor.exitCode()).as("doctor exit code; out:%n%s%nerr:%n%s", doctor.out(), doctor.err()).isZero();
        assertThat(doctor.out()).containsPattern("(?m)^✓ store\\s+Redis \\d")
                .containsPattern("(?m)^✓ writable\\s+wrote and read back ")
                .contains("integ is ready.");
        assertThat(doctor.err()).isEmpty();
    }

    /** Doctor ran to its end and reported the store itself as the failed check. */
    private static void assertStoreFailed(Cli.Result doctor, String... detailParts) {
        assertThat(doctor.exitCode()).as("doctor exit code; out:%n%s", doctor.out()).isEqualTo(1);
        String storeLine = doctor.out().lines().filter(l -> l.startsWith("✗ store")).findFirst().orElse("");
        assertThat(storeLine).as("the ✗ store line of:%n%s", doctor.out()).startsWith("✗ store");
        for (String part : detailParts) {
            assertThat(storeLine).contains(part);
        }
        assertThat(doctor.out()).doesNotContain("✓ writable").contains("1 check failed.");
    }

    /** `store status` connected and described the store; {@code url} is the --redis URL as it may be shown. */
    private static void assertStatus(Cli.Result status, String kind, String url) {
        assertThat(status.exitCode()).as("store status exit code; err:%n%s", status.err()).isZero();
        assertThat(status.out()).containsPattern("(?m)^store\\s+" + kind + "$")
                .containsPattern("(?m)^address\\s+" + java.util.regex.Pattern.quote(url) + "$")
                .containsPattern("(?m)^from\\s+--redis$");
        assertThat(status.err()).isEmpty();
    }

    /** The error contract: exactly one `integ: error:` line, optionally followed by `integ: hint:` lines. */
    private static void assertOneErrorLine(Cli.Result r) {
        List<String> lines = r.err().lines().toList();
        assertThat(lines).as("stderr:%n%s", r.err()).isNotEmpty();
        assertThat(lines.get(0)).startsWith("integ: error: ");
        assertThat(lines.subList(1, lines.size())).allSatisfy(l -> assertThat(l).startsWith("integ: hint: "));
    }

    private static void assertNoSecrets(Cli.Result r, String... secrets) {
        for (String secret : secrets) {
            assertThat(r.out()).as("stdout").doesNotContain(secret);
            assertThat(r.err()).as("stderr").doesNotContain(secret);
        }
    }

    // ---- 1. standalone with --requirepass ----

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class PasswordProtected {
        // Distinctive, so finding it in any output cannot be a coincidence.
        private final String password = "pw-" + UUID.randomUUID();
        private final String wrongPassword = "wrong-" + UUID.randomUUID();
        private TestRedis redis;

        @BeforeAll
        void startServer() {
            redis = TestRedis.start("--requirepass", password);
        }

        @AfterAll
        void stopServer() {
            if (redis != null) {
                redis.close();
            }
        }

        @Test
        void passwordFromEnvironment() {
            Cli cli = Cli.inTempHome().env("INTEG_REDIS_PASSWORD", password);

            Cli.Result doctor = cli.run("doctor", "--redis", redis.url());
            assertStoreUsable(doctor);
            assertNoSecrets(doctor, password);

            Cli.Result status = cli.run("store", "status", "--redis", redis.url());
            assertStatus(status, "standalone", redis.url());
            assertThat(status.out()).containsPattern("(?m)^redis\\s+\\d+\\.");
            assertNoSecrets(status, password);
        }

        @Test
        void passwordFromFile(@TempDir Path files) throws IOException {
            Path file = Files.writeString(files.resolve("redis-password"), password + "\n");
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Cli cli = Cli.inTempHome();

            Cli.Result doctor = cli.run("doctor", "--redis", redis.url(), "--redis-password-file", file.toString());
            assertStoreUsable(doctor);
            assertNoSecrets(doctor, password);

            Cli.Result status = cli.run("store", "status", "--redis", redis.url(), "--redis-password-file", file.toString());
            assertStatus(status, "standalone", redis.url());
            assertNoSecrets(status, password);
        }

        @Test
        void passwordInTheUrlIsUsedButNeverShown() {
            String url = "redis://:" + password + "@127.0.0.1:" + redis.port();
            Cli cli = Cli.inTempHome();

            // integ warns that argv is visible to other users; that is the only thing on stderr.
            String warning = "integ: warning: the Redis password in --redis is visible in the process list; "
                    + "use INTEG_REDIS_PASSWORD or --redis-password-file instead\n";

            Cli.Result doctor = cli.run("doctor", "--redis", url);
            assertThat(doctor.err()).isEqualTo(warning);
            assertStoreUsable(new Cli.Result(doctor.exitCode(), doctor.out(), ""));
            assertThat(doctor.out()).contains("redis://:***@127.0.0.1:" + redis.port());
            assertNoSecrets(doctor, password);

            Cli.Result status = cli.run("store", "status", "--redis", url);
            assertThat(status.err()).isEqualTo(warning);
            assertStatus(new Cli.Result(status.exitCode(), status.out(), ""), "standalone", "redis://:***@127.0.0.1:" + redis.port());
            assertNoSecrets(status, password);
        }

        @Test
        void wrongPasswordIsDenied() {
            Cli.Result status = Cli.inTempHome().env("INTEG_REDIS_PASSWORD", wrongPassword)
                    .run("store", "status", "--redis", redis.url());

            assertThat(status.exitCode()).as("exit code; err:%n%s", status.err()).isEqualTo(3);
            assertThat(status.out()).isEmpty();
            assertOneErrorLine(status);
            assertThat(status.err()).contains("Redis refused the credentials");
            assertNoSecrets(status, password, wrongPassword);
        }

        @Test
        void missingPasswordIsDenied() {
            Cli.Result status = Cli.inTempHome().run("store", "status", "--redis", redis.url());

            assertThat(status.exitCode()).as("exit code; err:%n%s", status.err()).isEqualTo(3);
            assertThat(status.out()).isEmpty();
            assertOneErrorLine(status);
            assertThat(status.err()).contains(": Redis wants a password\n");
            assertNoSecrets(status, password);
        }

        @Test
        void doctorReportsAWrongPasswordAsAFailedStoreCheck() {
            Cli.Result doctor = Cli.inTempHome().env("INTEG_REDIS_PASSWORD", wrongPassword).run("doctor", "--redis", redis.url());

            assertStoreFailed(doctor, "Redis refused the credentials");
            assertNoSecrets(doctor, password, wrongPassword);
        }
    }

    // ---- 2. Sentinel ----

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Sentinel {
        private TestRedis primary;
        private TestRedis replica;
        private TestRedis sentinel;

        @BeforeAll
        void startPrimaryAndSentinel() {
            primary = TestRedis.start("--repl-diskless-sync-delay", "0");
            // writes through Sentinel wait for a replica by default (doctor fails without one)
            replica = TestRedis.start("--replicaof", "127.0.0.1", Integer.toString(primary.port()));
            ReplicaAcksTest.awaitInSync(primary, replica);
            // Ready once it logs "Sentinel ID is"; the monitored primary comes from its config file,
            // so SENTINEL GET-MASTER-ADDR-BY-NAME answers from then on.
            sentinel = TestRedis.startSentinel("mymaster", primary.port());
        }

        @AfterAll
        void stop() {
            if (sentinel != null) {
                sentinel.close();
            }
            if (replica != null) {
                replica.close();
            }
            if (primary != null) {
                primary.close();
            }
        }

        @Test
        void doctorAndStatusGoThroughTheSentinelToThePrimary() {
            String url = "redis-sentinel://127.0.0.1:" + sentinel.port() + "#mymaster";
            Cli cli = Cli.inTempHome();

            Cli.Result doctor = cli.run("doctor", "--redis", url);
            assertStoreUsable(doctor);
            assertThat(doctor.out()).startsWith("Store: sentinel Redis " + url + " (from --redis)\n")
                    .contains("✓ replication  Sentinel primary, 1 of 1 replica(s) in sync (127.0.0.1:" + replica.port() + " online");

            Cli.Result status = cli.run("store", "status", "--redis", url);
            assertStatus(status, "sentinel", url);

            // The doctor's write probe really went to the primary the sentinel named.
            try (Jedis direct = new Jedis("127.0.0.1", primary.port())) {
                assertThat(direct.info("commandstats")).contains("cmdstat_set:calls=");
            }
        }

        @Test
        void aMasterNameTheSentinelDoesNotKnowFails() {
            String url = "redis-sentinel://127.0.0.1:" + sentinel.port() + "#nosuchmaster";

            Cli.Result status = Cli.inTempHome().run("store", "status", "--redis", url);

            assertThat(status.exitCode()).as("exit code; err:%n%s", status.err()).isEqualTo(2);
            assertOneErrorLine(status);
            assertThat(status.err()).contains("no Sentinel knows that master name");
        }
    }

    // ---- 3. Cluster ----

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Cluster {
        private TestRedis node;

        @BeforeAll
        void startOneNodeCluster(@TempDir Path clusterDir) {
            node = TestRedis.start("--cluster-enabled", "yes",
                    "--cluster-config-file", clusterDir.resolve("nodes.conf").toString());
            try (Jedis jedis = new Jedis("127.0.0.1", node.port())) {
                try {
                    jedis.clusterAddSlotsRange(0, 16383);  // Redis 7+
                } catch (JedisDataException before7) {
                    for (int from = 0; from < 16384; from += 1024) {
                        jedis.clusterAddSlots(IntStream.range(from, from + 1024).toArray());
                    }
                }
                // The node turns its state to ok on its own schedule (a fresh master waits up to
                // ~2 s before it calls itself writable). That is convergence, not a test result, and
                // the node logs it, so wait for that log line rather than for a clock.
                node.awaitLog("Cluster state changed: ok", Duration.ofSeconds(15));
                assertThat(jedis.clusterInfo()).contains("cluster_state:ok");
            }
        }

        @AfterAll
        void stop() {
            if (node != null) {
                node.close();
            }
        }

        @Test
        void doctorAndStatusWorkAgainstACluster() {
            String url = "redis-cluster://127.0.0.1:" + node.port();
            Cli cli = Cli.inTempHome();

            Cli.Result doctor = cli.run("doctor", "--redis", url);
            assertStoreUsable(doctor);
            assertThat(doctor.out()).startsWith("Store: cluster Redis " + url + " (from --redis)\n");
            assertStatus(cli.run("store", "status", "--redis", url), "cluster", url);
        }

        /** Every key one event append touches shares the log's hash tag: on a Cluster a cross-slot script fails. */
        @Test
        void theChainedEventLogItsIndexesAndVerifyWorkOnACluster(@TempDir Path keys) {
            String url = "redis-cluster://127.0.0.1:" + node.port();
            Cli cli = Cli.inTempHome().env("INTEG_MASTER_KEY_FILE", keys.resolve("master-key.json").toString());
            for (String[] command : List.of(new String[] {"keys", "init"}, new String[] {"ratelimit", "reset", "slack", "--user", "alice", "--yes"},
                    new String[] {"ratelimit", "reset", "google", "--user", "alice", "--yes"})) {
                Cli.Result r = cli.run(java.util.stream.Stream.concat(java.util.Arrays.stream(command), java.util.stream.Stream.of("--redis", url))
                        .toArray(String[]::new));
                assertThat(r.exitCode()).as("%s: %s", List.of(command), r.err()).isZero();
            }
            Cli.Result verify = cli.run("events", "verify", "--redis", url);
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
            assertThat(verify.out()).startsWith("OK: 3 events verified");
            Cli.Result alice = cli.run("events", "--user", "alice", "--provider", "google", "-o", "json", "--redis", url);
            assertThat(alice.exitCode()).as(alice.err()).isZero();
            assertThat(alice.out().lines()).singleElement().satisfies(l -> assertThat(l).contains("\"action\":\"ratelimit.reset\""));
            assertThat(cli.run("events", "stats", "--since", "1h", "--redis", url).out()).startsWith("3 events since");
        }
    }

    // ---- 4. TLS ----

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Tls {
        private TestRedis server;        // TLS, client certificates not asked for
        private TestRedis mutual;        // TLS, client certificate required; its certificate names only DNS:localhost
        private TestCertificates pki;
        private TestCertificates.Identity client;

        @BeforeAll
        void startTlsServers(@TempDir Path certs) {
            pki = TestCertificates.authority(certs, "integ test CA");
            TestCertificates.Identity serverId = pki.server("server");
            TestCertificates.Identity mutualId = pki.server("mutual", List.of("localhost"), List.of());
            client = pki.client("integ-client");
            server = startTlsOrSkip(serverId, "--tls-auth-clients", "no");
            mutual = startTlsOrSkip(mutualId, "--tls-auth-clients", "yes");
        }

        /** Skips the TLS tests (only these) when the redis-server on PATH was built without TLS. */
        private TestRedis startTlsOrSkip(TestCertificates.Identity id, String... extraArgs) {
            try {
                return TestRedis.startTls(id.cert(), id.key(), pki.caFile(), extraArgs);
            } catch (IllegalStateException e) {
                String log = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
                if (log.contains("bad directive") || log.contains("not supported") || log.contains("tls is not")
                        || log.contains("connection type tls") || log.contains("missing implement")) {
                    return Assumptions.abort(TestRedis.binary() + " has no TLS support:\n" + e.getMessage());
                }
                throw e;
            }
        }

        @AfterAll
        void stop() {
            if (mutual != null) {
                mutual.close();
            }
            if (server != null) {
                server.close();
            }
        }

        @Test
        void trustingTheCaFileWorks() {
            String url = "rediss://localhost:" + server.port();
            Cli cli = Cli.inTempHome();

            assertStoreUsable(cli.run("doctor", "--redis", url, "--redis-ca-file", pki.caFile().toString()));
            // the same through the environment, and by IP address (the certificate names 127.0.0.1 too)
            Cli.Result status = cli.env("INTEG_REDIS_CA_FILE", pki.caFile().toString())
                    .run("store", "status", "--redis", "rediss://127.0.0.1:" + server.port());
            assertStatus(status, "standalone", "rediss://127.0.0.1:" + server.port());
        }

        @Test
        void withoutTheCaFileTheServerIsNotTrusted() {
            String url = "rediss://localhost:" + server.port();

            Cli.Result doctor = Cli.inTempHome().run("doctor", "--redis", url);
            assertStoreFailed(doctor, "cannot reach Redis", "localhost:" + server.port(), "certification path");

            // an untrusted certificate never fixes itself: a configuration error, not "retry later"
            Cli.Result status = Cli.inTempHome().run("store", "status", "--redis", url);
            assertThat(status.exitCode()).as("exit code; err:%n%s", status.err()).isEqualTo(2);
            assertThat(status.err()).contains("integ: hint: trust its CA with --redis-ca-file");
            assertThat(status.out()).isEmpty();
            assertOneErrorLine(status);
            assertThat(status.err().lines().findFirst().orElseThrow())
                    .contains("rediss://localhost:" + server.port(), "certification path");
        }

        @Test
        void mutualTlsWithAClientCertificate() {
            String url = "rediss://localhost:" + mutual.port();
            Cli cli = Cli.inTempHome();

            assertStoreUsable(cli.run("doctor", "--redis", url, "--redis-ca-file", pki.caFile().toString(),
                    "--redis-client-cert", client.cert().toString(), "--redis-client-key", client.key().toString()));
            Cli.Result status = cli.env("INTEG_REDIS_CA_FILE", pki.caFile().toString())
                    .env("INTEG_REDIS_CLIENT_CERT", client.cert().toString())
                    .env("INTEG_REDIS_CLIENT_KEY", client.key().toString())
                    .run("store", "status", "--redis", url);
            assertStatus(status, "standalone", url);
        }

        @Test
        void mutualTlsWithoutAClientCertificateIsRefused() {
            Cli.Result doctor = Cli.inTempHome()
                    .run("doctor", "--redis", "rediss://localhost:" + mutual.port(), "--redis-ca-file", pki.caFile().toString());

            assertStoreFailed(doctor);
        }

        @Test
        void theHostNameIsVerified() {
            // The mutual server's certificate names only localhost, so 127.0.0.1 must not be accepted.
            Cli.Result doctor = Cli.inTempHome().run("doctor", "--redis", "rediss://127.0.0.1:" + mutual.port(),
                    "--redis-ca-file", pki.caFile().toString(),
                    "--redis-client-cert", client.cert().toString(), "--redis-client-key", client.key().toString());

            assertStoreFailed(doctor, "127.0.0.1", "subject alternative name");
        }
    }
}
