package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.events.AlertRules;
import dev.integ.events.RedisEventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** `events`, `events stats`, `events hash-user`, `events check`, `events tail --max-events` through the CLI. */
class EventsCommandTest {
    @RegisterExtension
    static final VaultFixture fixture = VaultFixture.start();

    @BeforeEach
    void reset() {
        fixture.reset();  // also creates the master key file (and records keys.init)
        try (var jedis = fixture.jedis()) {
            // each test reads only the events it wrote: a new log (its head, indexes, hour counters and chain key go too,
            // else the next event would rightly record a restarted chain)
            jedis.keys(VaultFixture.NS + ":events:{" + VaultFixture.NS + "}:*").forEach(jedis::del);
            jedis.del(fixture.keys(VaultFixture.NS).eventsChainKey());
        }
    }

    private RedisEventLog log() {
        var keys = fixture.keys(VaultFixture.NS);
        return new RedisEventLog(fixture.client(), keys,
                new UserHasher(fixture.client(), keys, () -> new KeysetFileMasterKey(fixture.masterKeyFile(), "test")),
                "cron@batch1", "00112233aabbccdd", Clock.systemUTC(), RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
    }

    private static List<JsonNode> lines(Cli.Result r) throws Exception {
        assertThat(r.exitCode()).as(r.err()).isIn(0, 1);
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (!line.isBlank()) {
                out.add(new ObjectMapper().readTree(line));
            }
        }
        return out;
    }

    // users with long names: a three-letter name turns up by chance in random key material (seen once with "bob")
    private void sample() {
        RedisEventLog log = log();
        log.record(SecurityEvent.success("token.read", "slack", "alice", Map.of()));
        log.record(SecurityEvent.failure("refresh.failure", "slack", "bob.marley", Map.of("status", "400")));
        log.record(SecurityEvent.success("keys.rotate", null, null, Map.of("key_id", "77")));
    }

    @Test
    void listsJsonLinesAndFiltersByUserName() throws Exception {
        sample();
        List<JsonNode> all = lines(fixture.ok("events", "-o", "json"));
        assertThat(all).extracting(n -> n.get("action").asText()).containsExactly("token.read", "refresh.failure", "keys.rotate");
        assertThat(all.get(0).get("actor").asText()).isEqualTo("cron@batch1");
        assertThat(all.get(1).get("details").get("status").asText()).isEqualTo("400");
        assertThat(all.get(2).get("user_hmac").isNull()).isTrue();

        List<JsonNode> alice = lines(fixture.ok("events", "--user", "alice", "-o", "json"));
        assertThat(alice).singleElement().satisfies(n -> assertThat(n.get("action").asText()).isEqualTo("token.read"));
        String hashed = fixture.ok("events", "hash-user", "alice").out().trim();
        assertThat(hashed).matches("[0-9a-f]{64}").isEqualTo(alice.get(0).get("user_hmac").asText());

        assertThat(lines(fixture.ok("events", "--result", "failure", "--since", "1h", "-o", "json"))).hasSize(1);
        assertThat(lines(fixture.ok("events", "--action", "keys.", "-o", "json"))).hasSize(1);
        assertThat(lines(fixture.ok("events", "--reverse", "--limit", "1", "-o", "json")))
                .singleElement().satisfies(n -> assertThat(n.get("action").asText()).isEqualTo("keys.rotate"));
        assertThat(lines(fixture.ok("events", "--since", "2000-01-01T00:00Z", "--until", "2000-01-02T00:00Z", "-o", "json"))).isEmpty();
    }

    @Test
    void tableByDefault() {
        sample();
        String out = fixture.ok("events").out();
        assertThat(out.lines().findFirst()).hasValue(EventsCommand.HEADER);
        assertThat(out).contains("refresh.failure").contains("status=400").doesNotContain("alice").doesNotContain("bob.marley");
        assertThat(fixture.ok("events", "--provider", "jira").out().trim()).isEqualTo(EventsCommand.HEADER);
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(fixture.run("events", "--since", "yesterday").exitCode()).isEqualTo(2);
        assertThat(fixture.run("events", "--result", "maybe").exitCode()).isEqualTo(2);
        assertThat(fixture.run("events", "tail", "--from-id", "abc").exitCode()).isEqualTo(2);
    }

    @Test
    void statsCountPerActionResultAndProvider() throws Exception {
        sample();
        JsonNode s = new ObjectMapper().readTree(fixture.ok("events", "stats", "-o", "json").out());
        assertThat(s.get("total").asLong()).isEqualTo(3);
        assertThat(s.get("by_result").get("success").asLong()).isEqualTo(2);
        assertThat(s.get("by_provider").get("slack").asLong()).isEqualTo(2);
        assertThat(s.get("by_provider").get("-").asLong()).isEqualTo(1);
        assertThat(s.get("by_action").get("keys.rotate").asLong()).isEqualTo(1);
        assertThat(fixture.ok("events", "stats", "--since", "24h").out()).contains("3 events since").contains("refresh.failure");
    }

    @Test
    void checkExitsOneWhenAlertsFiredInTheWindow() throws Exception {
        sample();
        Cli.Result quiet = fixture.run("events", "check");
        assertThat(quiet.exitCode()).as(quiet.err()).isZero();
        assertThat(quiet.out()).startsWith("OK: no alerts since");

        log().record(SecurityEvent.failure("integrity.failure", "slack", "alice", Map.of("reason", "tag")));
        Cli.Result alarm = fixture.run("events", "check", "--since", "15m");
        assertThat(alarm.exitCode()).isEqualTo(1);
        assertThat(alarm.out()).startsWith("ALERT: 1 alert since").contains("alert.integrity_failure 1");
        JsonNode doc = new ObjectMapper().readTree(fixture.run("events", "check", "-o", "json").out());
        assertThat(doc.get("alerts").asInt()).isEqualTo(1);
        assertThat(lines(fixture.ok("events", "--alerts", "-o", "json"))).singleElement()
                .satisfies(n -> assertThat(n.get("details").get("rule").asText()).isEqualTo("integrity_failure"));
    }

    @Test
    void tailPrintsFromAnIdAndStopsAfterMaxEvents() throws Exception {
        sample();
        List<JsonNode> tailed = lines(fixture.ok("events", "tail", "--from-id", "0", "--max-events", "2", "-o", "json"));
        assertThat(tailed).extracting(n -> n.get("action").asText()).containsExactly("token.read", "refresh.failure");
        List<JsonNode> rest = lines(fixture.ok("events", "tail", "--from-id", tailed.get(1).get("id").asText(), "--max-events", "1", "-o", "json"));
        assertThat(rest).extracting(n -> n.get("action").asText()).containsExactly("keys.rotate");
    }

    @Test
    void theStoreNeverHoldsAClearUserName() {
        sample();
        fixture.ok("events", "hash-user", "dave.grohl");
        fixture.snapshot().forEach((key, content) ->
                assertThat(key + content).doesNotContain("alice").doesNotContain("bob.marley").doesNotContain("dave.grohl"));
        try (var jedis = fixture.jedis()) {
            jedis.xrange("integ:events:{integ}:log", "-", "+").forEach(e -> assertThat(e.getFields().toString())
                    .doesNotContain("alice").doesNotContain("bob.marley"));
        }
    }

    @Test
    void verifyIsCleanAcrossRotateMasterAndFindsAnXdelForCron() throws Exception {
        sample();
        fixture.ok("keys", "rotate-master");  // in place: the chain key is re-encrypted, its material kept
        fixture.ok("keys", "rotate");
        Cli.Result clean = fixture.run("events", "verify", "-o", "json");
        assertThat(clean.exitCode()).as(clean.err()).isZero();
        JsonNode doc = new ObjectMapper().readTree(clean.out());
        assertThat(doc.get("schema").asInt()).isEqualTo(1);
        assertThat(doc.get("clean").asBoolean()).isTrue();
        assertThat(doc.get("checked").asLong()).isGreaterThanOrEqualTo(5);
        assertThat(doc.get("findings")).isEmpty();
        assertThat(fixture.ok("events", "verify").out()).startsWith("OK: ");

        try (var jedis = fixture.jedis()) {
            String key = fixture.keys(VaultFixture.NS).events();
            jedis.xdel(key, jedis.xrange(key, "-", "+").get(1).getID());
        }
        Cli.Result found = fixture.run("events", "verify", "-o", "json");
        assertThat(found.exitCode()).isEqualTo(1);
        JsonNode f = new ObjectMapper().readTree(found.out()).get("findings").get(0);
        assertThat(f.get("kind").asText()).isEqualTo("gap");
        assertThat(f.get("first_seq").asLong()).isEqualTo(2);
        assertThat(f.get("count").asLong()).isEqualTo(1);
        Cli.Result table = fixture.run("events", "verify");
        assertThat(table.exitCode()).isEqualTo(1);
        assertThat(table.out()).startsWith("FAILED: 1 finding").contains("gap");
    }

    @Test
    void jsonLinesCarryTheSchemaVersionAndTheChainPosition() throws Exception {
        sample();
        List<JsonNode> all = lines(fixture.ok("events", "-o", "json"));
        assertThat(all).extracting(n -> n.get("schema").asInt()).containsOnly(1);
        assertThat(all).extracting(n -> n.get("seq").asLong()).containsExactly(1L, 2L, 3L);
        assertThat(all.get(0).fieldNames()).toIterable().containsExactly("schema", "id", "seq", "appended", "time", "action", "result",
                "provider", "user_hmac", "actor", "correlation", "details");
    }

    @Test
    void theAnchorFileIsWrittenByCommandsThatRecordAndReadByVerify() throws Exception {
        java.nio.file.Path anchor = fixture.directory().resolve("events.anchor");
        java.nio.file.Files.deleteIfExists(anchor);
        Cli withAnchor = fixture.cli().env("INTEG_EVENTS_ANCHOR_FILE", anchor.toString());
        try {
            Cli.Result rotated = withAnchor.run(fixture.withRedis("keys", "rotate"));
            assertThat(rotated.exitCode()).as(rotated.err()).isZero();
            assertThat(java.nio.file.Files.getPosixFilePermissions(anchor)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            assertThat(java.nio.file.Files.readAllLines(anchor)).singleElement().satisfies(l -> assertThat(l).startsWith("integ-anchor-v1\tinteg\t1\t"));
            Cli.Result verified = withAnchor.run(fixture.withRedis("events", "verify", "-o", "json"));
            assertThat(verified.exitCode()).as(verified.out()).isZero();
            assertThat(new ObjectMapper().readTree(verified.out()).get("anchors").asInt()).isEqualTo(1);
        } finally {
            fixture.cli().env("INTEG_EVENTS_ANCHOR_FILE", null);
        }
    }
}
