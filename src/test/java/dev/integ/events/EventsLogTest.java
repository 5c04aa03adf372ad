package dev.integ.events;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.store.RedisKeys;
import dev.integ.testing.TestRedis;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Recording, user HMACs, retention, fail-closed and the alert rules, against a real redis-server. */
class EventsLogTest {
    /** Small stream nodes so approximate trimming ("~", whole nodes only) is visible with few events. */
    private static TestRedis server;
    private static RedisClient redis;
    private static Path dir;
    private static MasterKey master;
    private static final RedisKeys KEYS = new RedisKeys("integ");
    private final MutableClock clock = new MutableClock(Instant.parse("2031-03-04T10:00:00Z"));

    @BeforeAll
    static void start() throws Exception {
        server = TestRedis.start("--stream-node-max-entries", "10");
        redis = RedisClient.create("127.0.0.1", server.port());
        dir = Files.createTempDirectory("integ-events-test");
        master = new KeysetFileMasterKey(dir.resolve("master-key.json"), "test");
        master.create();
    }

    @AfterAll
    static void stop() {
        redis.close();
        server.close();
        VaultFixture.deleteRecursively(dir);
    }

    @BeforeEach
    void clean() {
        redis.flushAll();
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private UserHasher hasher() {
        return new UserHasher(redis, KEYS, () -> master);
    }

    private RedisEventLog log(RedisEventLog.Retention retention, AlertRules rules) {
        return new RedisEventLog(redis, KEYS, hasher(), "ops@host1", "0123456789abcdef", clock, retention, rules);
    }

    private RedisEventLog log() {
        return log(RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
    }

    private EventReader reader() {
        return new EventReader(redis, KEYS, hasher(), Duration.ofMillis(200));
    }

    private List<StoredEvent> all() {
        List<StoredEvent> events = new ArrayList<>();
        reader().query(EventQuery.ALL, events::add);
        return events;
    }

    private List<StoredEvent> alerts() {
        return all().stream().filter(StoredEvent::isAlert).toList();
    }

    @Test
    void recordsEveryFieldAndTheUserOnlyAsItsHmac() {
        log().record(SecurityEvent.success("forget", "slack", "alice@example.com", Map.of("key_id", "1234")));

        List<StreamEntry> entries = redis.xrange(KEYS.events(), "-", "+");
        assertThat(entries).hasSize(1);
        Map<String, String> f = entries.get(0).getFields();
        assertThat(f).containsOnlyKeys("seq", "mac", "time", "action", "result", "provider", "user_hmac", "actor", "correlation", "details");
        assertThat(f.get("seq")).isEqualTo("1");
        assertThat(f.get("mac")).matches("[0-9a-f]{64}");
        assertThat(f.get("time")).isEqualTo("2031-03-04T10:00:00Z");
        assertThat(f.get("action")).isEqualTo("forget");
        assertThat(f.get("result")).isEqualTo("success");
        assertThat(f.get("provider")).isEqualTo("slack");
        assertThat(f.get("user_hmac")).matches("[0-9a-f]{64}").isEqualTo(hasher().hash("alice@example.com"));
        assertThat(f.get("actor")).isEqualTo("ops@host1");
        assertThat(f.get("correlation")).isEqualTo("0123456789abcdef");
        assertThat(f.get("details")).isEqualTo("{\"key_id\":\"1234\"}");
        assertThat(redis.get(KEYS.eventsMacKey())).as("the HMAC key is stored, encrypted").isNotNull();
        assertThat(redis.type(KEYS.eventsMacKey())).isEqualTo("string");
        assertNoClearText("alice");
    }

    @Test
    void everyEventNeedsTheMasterKeyForItsChainMacAndFailsClosedWithoutIt() {
        UserHasher noMaster = new UserHasher(redis, KEYS, () -> {
            throw IntegException.humanAction("no master key", null, null);
        });
        RedisEventLog log = new RedisEventLog(redis, KEYS, noMaster, "a@h", "c", clock, RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
        assertThatThrownBy(() -> log.record(SecurityEvent.success("keys.init", null, null, Map.of())))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION));
        assertThat(redis.exists(KEYS.events())).isFalse();
    }

    @Test
    void theHmacIsKeyedSharedAndStable() {
        String first = hasher().hash("alice");
        String again = new UserHasher(redis, KEYS, () -> master).hash("alice");
        assertThat(again).as("another process reads the same stored key").isEqualTo(first);
        assertThat(first).isNotEqualTo(sha256Hex("alice")).isNotEqualTo(hasher().hash("bob"));
        redis.del(KEYS.eventsMacKey());
        assertThat(hasher().hash("alice")).as("a new key, a new HMAC: it is keyed").isNotEqualTo(first);
    }

    @Test
    void aKeyEncryptedInAnotherNamespaceDoesNotDecrypt() {
        hasher().hash("alice");
        RedisKeys other = new RedisKeys("staging");
        redis.set(other.eventsMacKey().getBytes(StandardCharsets.UTF_8), redis.get(KEYS.eventsMacKey().getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> new UserHasher(redis, other, () -> master).hash("alice"))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION));
    }

    @Test
    void filtersByUserThroughTheHmacAndByEveryOtherField() {
        RedisEventLog log = log();
        log.record(SecurityEvent.success("token.read", "slack", "alice", Map.of()));
        log.record(SecurityEvent.failure("refresh.failure", "slack", "bob", Map.of()));
        log.record(SecurityEvent.success("keys.rotate", null, null, Map.of()));
        log.record(SecurityEvent.success("keys.rewrap", null, null, Map.of()));
        log.record(SecurityEvent.success("token.read", "google", "alice", Map.of()));

        assertThat(actions(new EventQuery(null, "alice", null, null, null, null, 0, false, false)))
                .containsExactly("token.read", "token.read");
        assertThat(actions(new EventQuery("slack", "alice", null, null, null, null, 0, false, false))).containsExactly("token.read");
        assertThat(actions(new EventQuery(null, "mallory", null, null, null, null, 0, false, false))).isEmpty();
        assertThat(actions(new EventQuery(null, null, "keys.", null, null, null, 0, false, false))).containsExactly("keys.rotate", "keys.rewrap");
        assertThat(actions(new EventQuery(null, null, "keys.*", null, null, null, 0, true, false))).containsExactly("keys.rewrap", "keys.rotate");
        assertThat(actions(new EventQuery(null, null, null, "failure", null, null, 0, false, false))).containsExactly("refresh.failure");
        assertThat(actions(new EventQuery(null, null, null, null, null, null, 2, true, false))).containsExactly("token.read", "keys.rewrap");
        Instant future = Instant.now().plus(Duration.ofHours(1));
        assertThat(actions(new EventQuery(null, null, null, null, future, null, 0, false, false))).isEmpty();
        assertThat(actions(new EventQuery(null, null, null, null, Instant.now().minus(Duration.ofHours(1)), future, 0, false, false)))
                .hasSize(5);
    }

    @Test
    void queriesReadInBatchesBothWays() {
        RedisEventLog log = log(new RedisEventLog.Retention(100_000, Duration.ofDays(90)), AlertRules.DEFAULTS);
        for (int i = 0; i < EventReader.BATCH * 2 + 7; i++) {
            log.record(SecurityEvent.success("token.read", null, null, Map.of("n", Integer.toString(i))));
        }
        List<String> forward = new ArrayList<>();
        reader().query(EventQuery.ALL, e -> forward.add(e.details().get("n")));
        assertThat(forward).hasSize(EventReader.BATCH * 2 + 7).startsWith("0", "1").endsWith(Integer.toString(EventReader.BATCH * 2 + 6));
        List<String> backward = new ArrayList<>();
        reader().query(new EventQuery(null, null, null, null, null, null, 0, true, false), e -> backward.add(e.details().get("n")));
        assertThat(backward).hasSize(forward.size()).startsWith(forward.get(forward.size() - 1)).endsWith("0");
    }

    @Test
    void timesParseAsDurationsBackOrIsoTimes() {
        Clock fixed = Clock.fixed(Instant.parse("2031-03-04T10:00:00Z"), ZoneOffset.UTC);
        assertThat(EventQuery.parseTime("1h", fixed, "--since")).isEqualTo("2031-03-04T09:00:00Z");
        assertThat(EventQuery.parseTime("PT15M", fixed, "--since")).isEqualTo("2031-03-04T09:45:00Z");
        assertThat(EventQuery.parseTime("2026-11-27T10:00Z", fixed, "--since")).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(EventQuery.parseTime("2026-11-27T10:00:00+01:00", fixed, "--since")).isEqualTo("2026-11-27T09:00:00Z");
        assertThat(EventQuery.parseTime("2026-11-27", fixed, "--since")).isEqualTo("2026-11-27T00:00:00Z");
        assertThatThrownBy(() -> EventQuery.parseTime("yesterday", fixed, "--since"))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
    }

    private List<String> actions(EventQuery q) {
        List<String> actions = new ArrayList<>();
        reader().query(q, e -> actions.add(e.action()));
        return actions;
    }

    @Test
    void theCountCapTrimsTheOldestAndRecordsEachTrim() {
        RedisEventLog log = log(new RedisEventLog.Retention(20, Duration.ofDays(90)), AlertRules.DEFAULTS);
        for (int i = 0; i < 200; i++) {
            log.record(SecurityEvent.success("token.read", null, null, Map.of("n", Integer.toString(i))));
        }
        assertThat(redis.xlen(KEYS.events())).isBetween(19L, 21L);
        List<StoredEvent> kept = all();
        assertThat(kept.stream().filter(e -> e.action().equals("token.read")).reduce((a, b) -> b).orElseThrow().details().get("n"))
                .as("the newest are kept").isEqualTo("199");
        StoredEvent trim = kept.stream().filter(e -> e.action().equals(RedisEventLog.TRIMMED)).reduce((a, b) -> b).orElseThrow();
        assertThat(trim.result()).as("a cap trim is a failure: events went before their time").isEqualTo("failure");
        assertThat(trim.details()).containsEntry("reason", "count").containsKeys("first_id", "last_id", "first_seq", "last_seq", "last_mac", "events");
        assertThat(Long.parseLong(trim.details().get("last_seq"))).isEqualTo(kept.get(0).seq() - 1);
    }

    @Test
    void retentionTrimsByAgeAndRecordsTheTrimmedRange() {
        RedisEventLog log = log();
        long now = System.currentTimeMillis();
        List<RedisEventLog.Dated> history = new ArrayList<>();
        for (int i = 1; i <= 55; i++) {  // 100 days old, then 89 days old
            long ms = i <= 30 ? now - Duration.ofDays(100).toMillis() + i : now - Duration.ofDays(89).toMillis() + i;
            history.add(new RedisEventLog.Dated(ms + "-0", Instant.ofEpochMilli(ms), SecurityEvent.success(i <= 30 ? "old" : "recent", null, null, Map.of())));
        }
        log.load(history, 20);
        log.record(SecurityEvent.success("token.read", null, null, Map.of()));

        List<StoredEvent> kept = all();
        assertThat(kept).extracting(StoredEvent::action).doesNotContain("old").contains("recent", "token.read");
        assertThat(kept).filteredOn(e -> e.action().equals("recent")).hasSize(25);
        StoredEvent trim = kept.get(kept.size() - 1);
        assertThat(trim.action()).isEqualTo(RedisEventLog.TRIMMED);
        assertThat(trim.result()).isEqualTo("success");
        assertThat(trim.details()).containsEntry("reason", "age").containsEntry("first_seq", "1").containsEntry("last_seq", "30")
                .containsEntry("events", "30").containsEntry("keep_for", "90d");

        log.record(SecurityEvent.success("token.read", null, null, Map.of()));
        assertThat(all()).as("younger than 90 days: kept, and no second trim").hasSize(kept.size() + 1);
    }

    @Test
    void failsClosedWhenTheStreamKeyHoldsAString() {
        redis.set(KEYS.events(), "not a stream");
        assertThatThrownBy(() -> log().record(SecurityEvent.success("forget", "slack", "alice", Map.of())))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION);
                    assertThat(e.getMessage()).contains("integ:events").contains("another type").doesNotContain("alice");
                });
        assertThat(redis.get(KEYS.events())).isEqualTo("not a stream");
    }

    @Test
    void failsClosedWhenAnAclDeniesTheAppend() {
        redis.sendCommand(Protocol.Command.ACL, "SETUSER", "noxadd", "on", ">pw", "~*", "+@all", "-xadd");
        try (RedisClient limited = RedisClient.builder().hostAndPort("127.0.0.1", server.port())
                .clientConfig(DefaultJedisClientConfig.builder().user("noxadd").password("pw").build()).build()) {
            RedisEventLog log = new RedisEventLog(limited, KEYS, hasher(), "a@h", "c", clock, RedisEventLog.Retention.DEFAULTS,
                    AlertRules.DEFAULTS);
            assertThatThrownBy(() -> log.record(SecurityEvent.success("forget", "slack", null, Map.of())))
                    .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION));
        } finally {
            redis.sendCommand(Protocol.Command.ACL, "DELUSER", "noxadd");
        }
        assertThat(redis.exists(KEYS.events())).isFalse();
    }

    @Test
    void failsClosedAsRetryLaterWhenRedisIsUnreachable() throws Exception {
        try (RedisClient nowhere = RedisClient.create("127.0.0.1", TestRedis.freePort())) {
            RedisEventLog log = new RedisEventLog(nowhere, KEYS, new UserHasher(nowhere, KEYS, () -> master), "a@h", "c", clock,
                    RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
            assertThatThrownBy(() -> log.record(SecurityEvent.success("forget", "slack", "alice", Map.of())))
                    .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER));
        }
    }

    // ---- alerts: fixed windows aligned to their length, injected clock ----

    private static final Instant HOUR = Instant.parse("2031-03-04T10:00:00Z");

    private void recordAt(RedisEventLog log, Instant at, int times, boolean failure, String user) {
        clock.set(at);
        for (int i = 0; i < times; i++) {
            log.record(failure ? SecurityEvent.failure("refresh.failure", "slack", user, Map.of())
                    : SecurityEvent.success("token.read", "slack", user, Map.of()));
        }
    }

    @Test
    void volumeAlertsOnTheFirstEventOverTheLimitOncePerHourWindow() {
        RedisEventLog log = log(RedisEventLog.Retention.DEFAULTS, new AlertRules(5, 1000, 100, 1000));
        recordAt(log, HOUR, 4, false, "alice");
        recordAt(log, HOUR.plus(Duration.ofHours(1)).minusMillis(1), 1, false, "alice");
        assertThat(alerts()).as("5 events in the window: not more than 5").isEmpty();
        recordAt(log, HOUR.plus(Duration.ofHours(1)).minusMillis(1), 1, false, "alice");
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("alert.volume");
            assertThat(a.provider()).isEqualTo("slack");
            assertThat(a.userHmac()).isEqualTo(hasher().hash("alice"));
            assertThat(a.details()).containsEntry("rule", "volume").containsEntry("window", "1h").containsEntry("count", "6")
                    .containsEntry("threshold", "5").containsEntry("window_start", "2031-03-04T10:00:00Z");
        });
        recordAt(log, HOUR.plus(Duration.ofHours(1)).minusMillis(1), 10, false, "alice");
        assertThat(alerts()).as("once per window").hasSize(1);
        recordAt(log, HOUR.plus(Duration.ofHours(1)), 5, false, "alice");
        assertThat(alerts()).as("the next window starts at :00:00.000 with a count of 0").hasSize(1);
        recordAt(log, HOUR.plus(Duration.ofHours(2)).minusMillis(1), 1, false, "alice");
        assertThat(alerts()).as("...and alerts again once it is over the limit").hasSize(2);
        recordAt(log, HOUR, 6, false, "bob");
        assertThat(alerts()).as("per provider and user").hasSize(3);
    }

    @Test
    void failureAlertsCountFifteenMinuteWindows() {
        RedisEventLog log = log(RedisEventLog.Retention.DEFAULTS, new AlertRules(1000, 3, 100, 1000));
        Instant quarter = HOUR.plus(Duration.ofMinutes(15));
        recordAt(log, quarter.minusMillis(1), 3, true, "alice");
        recordAt(log, quarter, 3, true, "alice");
        recordAt(log, quarter, 5, false, "alice");
        assertThat(alerts()).as("3 and 3 failures across the :15 edge, successes do not count").isEmpty();
        recordAt(log, quarter.plus(Duration.ofMinutes(15)).minusMillis(1), 1, true, "alice");
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("alert.failures");
            assertThat(a.details()).containsEntry("window", "15m").containsEntry("count", "4")
                    .containsEntry("window_start", "2031-03-04T10:15:00Z");
        });
        recordAt(log, quarter.plus(Duration.ofMinutes(14)), 5, true, "alice");
        assertThat(alerts()).hasSize(1);
    }

    @Test
    void failureRateNeedsTheMinimumCountAndMoreThanThePercentage() {
        RedisEventLog log = log(RedisEventLog.Retention.DEFAULTS, new AlertRules(1000, 1000, 10, 20));
        recordAt(log, HOUR, 1, true, "carol");
        assertThat(alerts()).as("one failure of one is not an alert: below the minimum count").isEmpty();
        recordAt(log, HOUR.plusSeconds(60), 18, false, "carol");
        recordAt(log, HOUR.plusSeconds(120), 1, true, "carol");
        assertThat(alerts()).as("2 of 20 is 10%: not over").isEmpty();
        recordAt(log, HOUR.plusSeconds(180), 1, true, "carol");
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("alert.failure_rate");
            assertThat(a.details()).containsEntry("count", "3").containsEntry("threshold", "10");
        });
        recordAt(log, HOUR.plusSeconds(240), 5, true, "carol");
        assertThat(alerts()).hasSize(1);
    }

    @Test
    void integrityFailuresAndStateMismatchesAlertAtOnceOncePerHour() {
        RedisEventLog log = log();
        clock.set(HOUR.plus(Duration.ofMinutes(59)));
        log.record(SecurityEvent.failure("integrity.failure", "slack", "alice", Map.of("reason", "tag mismatch")));
        log.record(SecurityEvent.failure("integrity.failure", "slack", "alice", Map.of("reason", "tag mismatch")));
        log.record(SecurityEvent.failure("state.mismatch", "slack", "alice", Map.of()));
        assertThat(alerts()).extracting(StoredEvent::action).containsExactly("alert.integrity_failure", "alert.state_mismatch");
        clock.set(HOUR.plus(Duration.ofHours(1)));
        log.record(SecurityEvent.failure("integrity.failure", "slack", "alice", Map.of()));
        assertThat(alerts()).hasSize(3);
        assertThat(all()).filteredOn(StoredEvent::isAlert).allSatisfy(a -> assertThat(a.result()).isEqualTo("failure"));
    }

    @Test
    void alertEventsAreFoundByAlertsOnlyAndDoNotTriggerRules() {
        RedisEventLog log = log(RedisEventLog.Retention.DEFAULTS, new AlertRules(1, 1000, 100, 1000));
        recordAt(log, HOUR, 3, false, "alice");
        assertThat(actions(new EventQuery(null, null, null, null, null, null, 0, false, true))).containsExactly("alert.volume");
        assertThat(redis.keys("integ:events:{integ}:win:*")).isNotEmpty().allSatisfy(k -> assertThat(redis.pttl(k)).isPositive());
    }

    // ---- nothing secret or clear ----

    /** Every byte of every key (stream entries included) must be free of the clear user names and tokens. */
    private void assertNoClearText(String... needles) {
        for (String key : redis.keys("*")) {
            String type = redis.type(key);
            StringBuilder content = new StringBuilder(key);
            if (type.equals("stream")) {
                redis.xrange(key, "-", "+").forEach(e -> content.append(e.getFields()));
            } else {
                content.append(new String(redis.dump(key), StandardCharsets.ISO_8859_1));
            }
            for (String needle : needles) {
                assertThat(content.toString()).as("key %s", key).doesNotContainIgnoringCase(needle);
            }
        }
    }

    @Test
    void noClearUserNameOrTokenAnywhereInTheStore() {
        RedisEventLog log = log(RedisEventLog.Retention.DEFAULTS, new AlertRules(2, 1, 10, 2));
        List<String> users = List.of("alice@example.com", "bob.smith", "carol");
        for (String user : users) {
            recordAt(log, HOUR, 3, true, user);
            log.record(SecurityEvent.failure("integrity.failure", "google", user, Map.of("key_id", "42")));
        }
        assertThat(alerts()).isNotEmpty();
        assertNoClearText("alice", "bob.smith", "carol", "xoxb-", "ya29.", "refresh_token");
    }

    private static String sha256Hex(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
