package dev.integ.events;

import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.store.RedisKeys;
import dev.integ.testing.TestRedis;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chained log and `events verify` against a real redis-server: what each kind of tampering
 * looks like, and no false alarm for what integ itself does (trims, several writers, namespaces).
 */
class EventChainTest {
    private static TestRedis server;
    private static RedisClient redis;
    private static Path dir;
    private static MasterKey master;
    private static final RedisKeys KEYS = new RedisKeys("integ");

    @BeforeAll
    static void start() throws Exception {
        server = TestRedis.start();
        redis = RedisClient.create("127.0.0.1", server.port());
        dir = Files.createTempDirectory("integ-chain-test");
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
    void clean() throws Exception {
        redis.flushAll();
        Files.deleteIfExists(anchorFile());
    }

    private static Path anchorFile() {
        return dir.resolve("anchor");
    }

    static RedisEventLog log(RedisClient client, RedisKeys keys, EventAnchor anchor, String correlation) {
        UserHasher hasher = new UserHasher(client, keys, () -> master);
        return new RedisEventLog(client, keys, hasher, new ChainKey(client, keys, () -> master), anchor, "ops@host1", correlation,
                Clock.systemUTC(), RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
    }

    private static RedisEventLog log() {
        return log(redis, KEYS, EventAnchor.NONE, "0123456789abcdef");
    }

    private static ChainVerifier.Report verify(RedisKeys keys, EventAnchor anchor) {
        return new ChainVerifier(redis, keys, new ChainKey(redis, keys, () -> master), anchor).verify(null);
    }

    private static ChainVerifier.Report verify() {
        return verify(KEYS, EventAnchor.NONE);
    }

    private static void recordSome(RedisEventLog log, int n) {
        for (int i = 0; i < n; i++) {
            log.record(i % 3 == 0 ? SecurityEvent.success("keys.rotate", null, null, Map.of("n", Integer.toString(i)))
                    : SecurityEvent.success("token.read", "slack", "user" + (i % 5), Map.of("n", Integer.toString(i))));
        }
    }

    private static List<StreamEntry> entries() {
        return redis.xrange(KEYS.events(), "-", "+");
    }

    private static List<String> kinds(ChainVerifier.Report r) {
        return r.findings().stream().map(ChainVerifier.Finding::kind).toList();
    }

    @Test
    void aCleanChainIsCleanAndEveryEventIsNumberedAndChained() {
        recordSome(log(), 30);
        List<StreamEntry> all = entries();
        assertThat(all).extracting(e -> e.getFields().get("seq")).startsWith("1", "2", "3").endsWith(Long.toString(all.size()));
        assertThat(redis.hgetAll(KEYS.eventsHead())).containsEntry("seq", Long.toString(all.size()))
                .containsEntry("mac", all.get(all.size() - 1).getFields().get("mac"))
                .containsEntry("id", all.get(all.size() - 1).getID().toString());
        ChainVerifier.Report r = verify();
        assertThat(r.findings()).isEmpty();
        assertThat(r.checked()).isEqualTo(all.size());
        assertThat(r.firstSeq()).isEqualTo(1);
        assertThat(r.lastSeq()).isEqualTo(all.size());
    }

    @Test
    void oneXdelInTheMiddleIsAGap() {
        recordSome(log(), 20);
        StreamEntry tenth = entries().get(9);
        redis.xdel(KEYS.events(), tenth.getID());
        ChainVerifier.Report r = verify();
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo("gap");
            assertThat(f.firstSeq()).isEqualTo(10);
            assertThat(f.lastSeq()).isEqualTo(10);
            assertThat(f.count()).isEqualTo(1);
        });
    }

    @Test
    void sinceChecksFromThereOnChainedToTheEventBefore() {
        RedisEventLog log = log();
        long now = System.currentTimeMillis();
        List<RedisEventLog.Dated> history = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long ms = now - Duration.ofDays(20 - i).toMillis();
            history.add(new RedisEventLog.Dated(ms + "-0", Instant.ofEpochMilli(ms), SecurityEvent.success("keys.rotate", null, null, Map.of())));
        }
        log.load(history, 5);
        List<StreamEntry> all = entries();
        redis.xdel(KEYS.events(), all.get(3).getID());
        Instant since = Instant.ofEpochMilli(all.get(10).getID().getTime());
        ChainVerifier verifier = new ChainVerifier(redis, KEYS, new ChainKey(redis, KEYS, () -> master), EventAnchor.NONE);
        assertThat(verifier.verify(since).findings()).as("the deletion is before --since").isEmpty();
        assertThat(verifier.verify(since).checked()).isEqualTo(10);
        redis.xdel(KEYS.events(), all.get(15).getID());
        assertThat(verifier.verify(since).findings()).extracting(ChainVerifier.Finding::kind).containsExactly("gap");
        assertThat(kinds(verify())).containsExactly("gap", "gap");
    }

    @Test
    void anEventRewrittenWithForgedFieldsIsAltered() {
        recordSome(log(), 20);
        // the attacker rewrites the tail from event 10 on: deleted and re-added in order, event 10 with a forged
        // detail but its old seq and mac (the stream ids change, which the MAC does not cover, so only the MAC can tell)
        List<StreamEntry> all = entries();
        List<StreamEntry> tail = all.subList(9, all.size());
        tail.forEach(e -> redis.xdel(KEYS.events(), e.getID()));
        for (StreamEntry e : tail) {
            Map<String, String> f = new LinkedHashMap<>(e.getFields());
            if (f.get("seq").equals("10")) {
                f.put("details", "{\"n\":\"forged\"}");
            }
            redis.xadd(KEYS.events(), XAddParams.xAddParams(), f);
        }
        ChainVerifier.Report r = verify();
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo("altered");
            assertThat(f.firstSeq()).isEqualTo(10);
        });
    }

    @Test
    void anEventDeletedAndReAddedAtTheEndIsAGapAndOutOfOrder() {
        recordSome(log(), 20);
        StreamEntry fifth = entries().get(4);
        redis.xdel(KEYS.events(), fifth.getID());
        redis.xadd(KEYS.events(), XAddParams.xAddParams(), fifth.getFields());
        assertThat(kinds(verify())).containsExactly("gap", "out_of_order");
    }

    @Test
    void theWholeStreamDeletedIsARestartedChainAndStaysOnRecordAfterTheNextAppend() {
        RedisEventLog log = log();
        recordSome(log, 20);
        redis.del(KEYS.events());
        assertThat(verify().findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo("restarted");
            assertThat(f.lastSeq()).isEqualTo(20);
        });
        // the next writer continues from the head key: the 20 deleted events stay missing, for good
        log().record(SecurityEvent.success("token.read", "slack", "alice", Map.of()));
        assertThat(entries()).singleElement().satisfies(e -> assertThat(e.getFields().get("seq")).isEqualTo("21"));
        assertThat(verify().findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo("untracked_trim");
            assertThat(f.firstSeq()).isEqualTo(1);
            assertThat(f.lastSeq()).isEqualTo(20);
        });
    }

    @Test
    void theStreamAndItsHeadDeletedStartAChainThatSaysSo() {
        recordSome(log(), 20);
        redis.del(KEYS.events(), KEYS.eventsHead());
        log().record(SecurityEvent.success("token.read", "slack", "alice", Map.of()));
        List<StreamEntry> all = entries();
        assertThat(all.get(0).getFields()).containsEntry("action", RedisEventLog.CHAIN_START).containsEntry("result", "failure")
                .containsEntry("seq", "1");
        assertThat(kinds(verify())).containsExactly("restarted");
    }

    @Test
    void theAnchorFileCatchesTheLogItsHeadAndItsKeyAllDeletedAndRecreated() throws Exception {
        EventAnchor anchor = new EventAnchor(anchorFile(), Clock.systemUTC());
        RedisEventLog log = log(redis, KEYS, anchor, "0123456789abcdef");
        recordSome(log, 20);
        log.close();
        assertThat(Files.getPosixFilePermissions(anchorFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readAllLines(anchorFile()).get(Files.readAllLines(anchorFile()).size() - 1)).contains("\t20\t");
        assertThat(verify(KEYS, anchor).findings()).isEmpty();

        redis.del(KEYS.events(), KEYS.eventsHead(), KEYS.eventsChainKey());
        assertThat(kinds(verify(KEYS, anchor))).as("an empty store, but the anchor remembers").containsExactly("restarted");
        recordSome(log(redis, KEYS, EventAnchor.NONE, "fedcba9876543210"), 25);
        assertThat(kinds(verify(KEYS, EventAnchor.NONE))).as("without the anchor a new chain looks like a new store").isEmpty();
        assertThat(kinds(verify(KEYS, anchor))).as("the anchor's seq 20 is another event now").containsExactly("restarted");
    }

    @Test
    void aTrimNotRecordedIsFoundAndARecordedOneIsNot() {
        RedisEventLog log = log();
        recordSome(log, 20);
        StreamEntry tenth = entries().get(9);
        redis.xtrim(KEYS.events(), XTrimParams.xTrimParams().minId(tenth.getID().toString()));
        assertThat(verify().findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo("untracked_trim");
            assertThat(f.lastSeq()).isEqualTo(9);
        });
    }

    @Test
    void retentionTrimsByAgeVerifyClean() {
        RedisEventLog log = log();
        long now = System.currentTimeMillis();
        List<RedisEventLog.Dated> history = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            long ms = now - Duration.ofDays(i <= 20 ? 120 : 30).toMillis() + i;
            history.add(new RedisEventLog.Dated(ms + "-0", Instant.ofEpochMilli(ms), SecurityEvent.success("token.read", "slack", "bob", Map.of())));
        }
        log.load(history, 7);
        assertThat(verify().findings()).isEmpty();
        log.record(SecurityEvent.success("token.read", "slack", "alice", Map.of()));
        assertThat(entries()).hasSize(22); // 20 recent, the new one, the trim
        assertThat(verify().findings()).as("the trim is recorded, and the first kept event chains to its last_mac").isEmpty();
    }

    @Test
    void aCountCapFloodTrimsOnlyWithARecordAndVerifiesClean() {
        UserHasher hasher = new UserHasher(redis, KEYS, () -> master);
        RedisEventLog log = new RedisEventLog(redis, KEYS, hasher, new ChainKey(redis, KEYS, () -> master), EventAnchor.NONE, "a@h", "c",
                Clock.systemUTC(), new RedisEventLog.Retention(50, Duration.ofDays(90)), AlertRules.DEFAULTS);
        recordSome(log, 300);
        assertThat(entries().size()).isLessThanOrEqualTo(51);
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void aFloodOfTwelveThousandEventsLeavesEarlierEventsInPlace() {
        RedisEventLog log = log();
        log.record(SecurityEvent.success("keys.init", null, null, Map.of()));
        log.record(SecurityEvent.failure("integrity.failure", "slack", "gina", Map.of("reason", "tag mismatch")));
        for (int i = 0; i < 12_000; i++) {
            log.record(SecurityEvent.failure("state.mismatch", "acme", "gina", Map.of("reason", "state")));
        }
        List<StreamEntry> first = redis.xrange(KEYS.events(), "-", "+", 3);
        assertThat(first).extracting(e -> e.getFields().get("action")).containsExactly("keys.init", "integrity.failure", "alert.integrity_failure");
        assertThat(redis.xlen(KEYS.events())).isGreaterThan(12_000);
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void namespacesHaveTheirOwnChains() {
        RedisKeys staging = new RedisKeys("staging");
        recordSome(log(), 10);
        recordSome(log(redis, staging, EventAnchor.NONE, "c"), 7);
        assertThat(redis.xrange(staging.events(), "-", "+")).first().satisfies(e -> assertThat(e.getFields().get("seq")).isEqualTo("1"));
        assertThat(verify(KEYS, EventAnchor.NONE).findings()).isEmpty();
        assertThat(verify(staging, EventAnchor.NONE).findings()).isEmpty();
        assertThat(verify(staging, EventAnchor.NONE).checked()).isEqualTo(7);
    }

    @Test
    void concurrentWritersInOneProcessAndAsIfInSeveralKeepOneLinearChain() throws Exception {
        int threads = 6;
        int each = 150;
        RedisEventLog shared = log();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // half share one log (one head cache), half have their own (as separate processes do)
            RedisEventLog writer = t % 2 == 0 ? shared : log(redis, KEYS, EventAnchor.NONE, "writer" + t);
            int id = t;
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < each; i++) {
                    writer.record(SecurityEvent.success("keys.rotate", null, null, Map.of("w", Integer.toString(id), "i", Integer.toString(i))));
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        List<StreamEntry> all = entries();
        assertThat(all).hasSize(threads * each);
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).getFields().get("seq")).isEqualTo(Long.toString(i + 1));
        }
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void severalProcessesAppendingAtOnceKeepOneLinearChain() throws Exception {
        int processes = 3;
        int each = 200;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> children = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            children.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChainWriterMain.class.getName(),
                    Integer.toString(server.port()), dir.resolve("master-key.json").toString(), Integer.toString(each), "proc" + p)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        for (Process child : children) { // each has loaded its keys and appended once: all are past start-up
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream())).readLine()).isEqualTo("ready");
        }
        for (Process child : children) {
            child.getOutputStream().write("go\n".getBytes());
            child.getOutputStream().flush();
        }
        for (Process child : children) {
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
        }
        List<StreamEntry> all = entries();
        assertThat(all).hasSize(processes * (each + 1));
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).getFields().get("seq")).isEqualTo(Long.toString(i + 1));
        }
        assertThat(all.stream().map(e -> e.getFields().get("correlation")).distinct()).hasSize(processes);
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void statsFromTheHourCountersEqualACountOfEveryEventAndIndexesFindAUsersAndAProvidersEvents() {
        RedisEventLog log = log();
        long hour = Duration.ofHours(1).toMillis();
        long base = (System.currentTimeMillis() / hour - 30) * hour; // 30 hours ago, on the hour
        List<RedisEventLog.Dated> history = new ArrayList<>();
        String[] providers = {"slack", "google", null};
        for (int i = 0; i < 600; i++) {
            long ms = base + i * (hour / 20) + 7; // 20 an hour, over 30 hours
            String provider = providers[i % 3];
            SecurityEvent e = i % 7 == 0 ? SecurityEvent.failure("refresh.failure", provider, "user" + (i % 4), Map.of())
                    : SecurityEvent.success("token.read", provider, i % 5 == 0 ? "alice" : "user" + (i % 4), Map.of());
            history.add(new RedisEventLog.Dated(ms + "-0", Instant.ofEpochMilli(ms), e));
        }
        log.load(history, 50);
        EventReader reader = new EventReader(redis, KEYS, new UserHasher(redis, KEYS, () -> master), Duration.ofMillis(100));
        for (Instant since : List.of(Instant.ofEpochMilli(base + hour * 3 + 1234), Instant.ofEpochMilli(base + hour * 10),
                Instant.ofEpochMilli(base - hour))) {
            for (Instant until : java.util.Arrays.asList(null, Instant.ofEpochMilli(base + hour * 20 + 99), Instant.ofEpochMilli(base + hour * 25))) {
                EventQuery q = new EventQuery(null, null, null, null, since, until, 0, false, false);
                EventReader.Stats fast = reader.stats(q);
                Map<String, Long> actions = new java.util.TreeMap<>();
                Map<String, Long> providersSeen = new java.util.TreeMap<>();
                long[] total = {0};
                reader.query(q, e -> {
                    total[0]++;
                    actions.merge(e.action(), 1L, Long::sum);
                    providersSeen.merge(e.provider().isEmpty() ? "-" : e.provider(), 1L, Long::sum);
                });
                assertThat(fast.total()).as("since %s until %s", since, until).isEqualTo(total[0]).isPositive();
                assertThat(fast.byAction()).isEqualTo(actions);
                assertThat(fast.byProvider()).isEqualTo(providersSeen);
            }
        }
        List<StoredEvent> alice = new ArrayList<>();
        reader.query(new EventQuery(null, "alice", null, null, Instant.ofEpochMilli(base + hour * 10), null, 0, false, false), alice::add);
        assertThat(alice).isNotEmpty().allSatisfy(e -> assertThat(e.userHmac()).isEqualTo(new UserHasher(redis, KEYS, () -> master).hash("alice")));
        assertThat(alice).hasSize((int) history.stream().filter(d -> StoredEvent.idMillis(d.streamId()) >= base + hour * 10
                && "alice".equals(d.event().user())).count());
        List<StoredEvent> google = new ArrayList<>();
        reader.query(new EventQuery("google", null, null, null, null, null, 0, true, false), google::add);
        assertThat(google).hasSize(200).allSatisfy(e -> assertThat(e.provider()).isEqualTo("google"));
        assertThat(google.get(0).seq()).isGreaterThan(google.get(199).seq());
    }

    @Test
    void legacyEventsFromBeforeTheChainAreReadAndOnlyThoseWrittenAfterItIsStartedAreFindings() {
        long old = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
        redis.xadd(KEYS.legacyEvents(), XAddParams.xAddParams().id(new StreamEntryID(old, 0)),
                Map.of("time", Instant.ofEpochMilli(old).toString(), "action", "keys.init", "result", "success", "provider", "",
                        "user_hmac", "", "actor", "a@h", "correlation", "c", "details", "{}"));
        log().record(SecurityEvent.success("keys.rotate", null, null, Map.of()));
        List<StoredEvent> all = new ArrayList<>();
        new EventReader(redis, KEYS, new UserHasher(redis, KEYS, () -> master), Duration.ofMillis(100)).query(EventQuery.ALL, all::add);
        assertThat(all).extracting(StoredEvent::action).containsExactly("keys.init", "keys.rotate");
        assertThat(all.get(0).seq()).isZero();
        ChainVerifier.Report r = verify();
        assertThat(r.findings()).isEmpty();
        assertThat(r.legacyEvents()).isEqualTo(1);

        redis.xadd(KEYS.legacyEvents(), XAddParams.xAddParams(), Map.of("action", "forged"));
        assertThat(kinds(verify())).containsExactly("unchained");
    }

    @Test
    void theHeadKeyDeletedIsFoundUntilTheNextAppendRestoresIt() {
        recordSome(log(), 5);
        redis.del(KEYS.eventsHead());
        assertThat(kinds(verify())).containsExactly("head");
        log().record(SecurityEvent.success("keys.rotate", null, null, Map.of()));
        assertThat(redis.hget(KEYS.eventsHead(), "seq")).isEqualTo("6");
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void noFalseAlarmAfterARedisRestartWithAppendOnly() throws Exception {
        Path data = Files.createTempDirectory("integ-chain-aof");
        try {
            ChainVerifier.Report before;
            try (TestRedis persistent = TestRedis.start("--appendonly", "yes", "--appendfsync", "always", "--dir", data.toString());
                 RedisClient client = RedisClient.create("127.0.0.1", persistent.port())) {
                recordSome(log(client, KEYS, EventAnchor.NONE, "c"), 25);
                before = new ChainVerifier(client, KEYS, new ChainKey(client, KEYS, () -> master), EventAnchor.NONE).verify(null);
            }
            try (TestRedis restarted = TestRedis.start("--appendonly", "yes", "--appendfsync", "always", "--dir", data.toString());
                 RedisClient client = RedisClient.create("127.0.0.1", restarted.port())) {
                ChainVerifier.Report after = new ChainVerifier(client, KEYS, new ChainKey(client, KEYS, () -> master), EventAnchor.NONE).verify(null);
                assertThat(after.findings()).isEmpty();
                assertThat(after.checked()).isEqualTo(before.checked()).isEqualTo(25);
                recordSome(log(client, KEYS, EventAnchor.NONE, "d"), 3);
                assertThat(new ChainVerifier(client, KEYS, new ChainKey(client, KEYS, () -> master), EventAnchor.NONE).verify(null).findings())
                        .isEmpty();
            }
        } finally {
            VaultFixture.deleteRecursively(data);
        }
    }
}
