package dev.integ.events;

import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.store.RedisKeys;
import dev.integ.testing.ObservableState;
import dev.integ.testing.TestRedis;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.args.UnblockType;


import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** `events tail`: events from another connection, a redis-server restart, stopping. Waits are latches, not sleeps. */
class EventsTailTest {
    private static final RedisKeys KEYS = new RedisKeys("integ");
    private static Path dir;
    private static MasterKey master;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void key() throws Exception {
        dir = Files.createTempDirectory("integ-events-tail");
        master = new KeysetFileMasterKey(dir.resolve("master-key.json"), "test");
        master.create();
    }

    @AfterAll
    static void clean() {
        VaultFixture.deleteRecursively(dir);
    }

    private static RedisEventLog log(RedisClient client) {
        return new RedisEventLog(client, KEYS, new UserHasher(client, KEYS, () -> master), "writer@host2", "feedfacefeedface",
                Clock.systemUTC(), RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
    }

    private static EventReader reader(RedisClient client) {
        return new EventReader(client, KEYS, new UserHasher(client, KEYS, () -> master), Duration.ofMillis(200));
    }

    /**
     * The tail blocks in XREAD for longer than the test lasts, so an event appended while it is
     * blocked (seen on the server: a blocked client) can only be delivered by that blocking read,
     * not by a poll after it; the latch's limit only bounds a test that never gets there.
     */
    @Test
    void seesAnEventAppendedByAnotherConnectionWhileBlockedAndStopsOnRequest() throws Exception {
        try (TestRedis server = TestRedis.start();
             RedisClient tailing = RedisClient.create("127.0.0.1", server.port());
             RedisClient writing = RedisClient.create("127.0.0.1", server.port())) {
            log(writing).record(SecurityEvent.success("keys.init", null, null, Map.of()));  // before the tail: not shown
            List<StoredEvent> seen = new CopyOnWriteArrayList<>();
            CountDownLatch arrived = new CountDownLatch(1);
            CountDownLatch stop = new CountDownLatch(1);
            AtomicInteger disconnects = new AtomicInteger();
            EventReader reader = new EventReader(tailing, KEYS, new UserHasher(tailing, KEYS, () -> master), Duration.ofMinutes(10));
            String from = reader.lastId();
            Future<String> tail = executor.submit(() -> reader.tail(new EventQuery("slack", null, null, null, null, null, 0, false, false),
                    from, e -> {
                        seen.add(e);
                        arrived.countDown();
                    }, () -> stop.getCount() == 0, (cause, wait) -> disconnects.incrementAndGet(), EventReader.Pause.SLEEP));
            ObservableState.await(Duration.ofSeconds(30), "the tail blocked in XREAD", () -> blockedClients(writing) == 1);
            log(writing).record(SecurityEvent.success("token.read", "google", "bob", Map.of()));  // filtered out
            log(writing).record(SecurityEvent.success("forget", "slack", "alice", Map.of()));
            assertThat(arrived.await(60, TimeUnit.SECONDS)).as("the blocked read delivered the event").isTrue();
            stop.countDown();
            log(writing).record(SecurityEvent.success("token.read", "google", "carol", Map.of()));  // wakes the read to see the stop
            String last = tail.get(60, TimeUnit.SECONDS);
            assertThat(seen).extracting(StoredEvent::action).containsExactly("forget");
            assertThat(last).as("the last id it read").isEqualTo(reader.lastId());
            assertThat(disconnects).as("delivered without reconnecting").hasValue(0);
        } finally {
            executor.shutdownNow();
        }
    }

    private static long blockedClients(RedisClient redis) {
        return redis.info("clients").lines().filter(line -> line.startsWith("blocked_clients:"))
                .mapToLong(line -> Long.parseLong(line.substring("blocked_clients:".length()).trim())).sum();
    }

    @Test
    void resumesAfterARedisServerRestartWithoutLoss() throws Exception {
        TestRedis first = TestRedis.start();
        int port = first.port();
        TestRedis second = null;
        AtomicInteger disconnects = new AtomicInteger();
        try (RedisClient tailing = RedisClient.create("127.0.0.1", port)) {
            List<StoredEvent> seen = new CopyOnWriteArrayList<>();
            CountDownLatch firstSeen = new CountDownLatch(1);
            CountDownLatch allSeen = new CountDownLatch(3);
            CountDownLatch reconnecting = new CountDownLatch(1);
            EventReader reader = reader(tailing);
            Future<String> tail = executor.submit(() -> reader.tail(EventQuery.ALL, "0-0", e -> {
                seen.add(e);
                firstSeen.countDown();
                allSeen.countDown();
            }, () -> allSeen.getCount() == 0, (cause, wait) -> {
                disconnects.incrementAndGet();
                reconnecting.countDown();
            }, EventReader.Pause.SLEEP));
            try (RedisClient writing = RedisClient.create("127.0.0.1", port)) {
                log(writing).record(SecurityEvent.success("connect.start", "slack", "alice", Map.of()));
            }
            assertThat(firstSeen.await(5, TimeUnit.SECONDS)).isTrue();

            first.close();
            assertThat(reconnecting.await(10, TimeUnit.SECONDS)).as("the tail noticed the restart").isTrue();
            second = TestRedis.start("--port", Integer.toString(port));  // the last --port wins: same port
            try (RedisClient writing = RedisClient.create("127.0.0.1", port)) {
                // the new server starts empty, and its ids are later than the last one the tail saw
                log(writing).record(SecurityEvent.success("connect.success", "slack", "alice", Map.of()));
                log(writing).record(SecurityEvent.success("token.read", "slack", "alice", Map.of()));
            }
            assertThat(allSeen.await(20, TimeUnit.SECONDS)).as("events appended while the tail was away arrive").isTrue();
            tail.get(5, TimeUnit.SECONDS);
            assertThat(seen).extracting(StoredEvent::action).containsExactly("connect.start", "connect.success", "token.read");
            assertThat(disconnects.get()).isPositive();
        } finally {
            executor.shutdownNow();
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void anInterruptedTailReturnsTheLastIdSeen() throws Exception {
        try (TestRedis server = TestRedis.start(); RedisClient client = RedisClient.create("127.0.0.1", server.port())) {
            log(client).record(SecurityEvent.success("keys.init", null, null, Map.of()));
            CountDownLatch got = new CountDownLatch(1);
            Future<String> tail = executor.submit(() -> reader(client).tail(EventQuery.ALL, "0-0", e -> got.countDown(),
                    () -> false, EventReader.TailListener.NONE, EventReader.Pause.SLEEP));
            assertThat(got.await(5, TimeUnit.SECONDS)).isTrue();
            executor.shutdownNow();  // interrupts: the loop ends after the current blocking read (200 ms here)
            assertThat(tail.get(5, TimeUnit.SECONDS)).isEqualTo(reader(client).lastId());
        }
    }

    /**
     * A failover as the tail sees it: it printed E1 and E2 from the old primary, but the new one has E1,
     * not E2 (never replicated), and got E3 meanwhile with an id between the two. Resuming after E2 would
     * skip E3 for good; the tail resumes after E1, prints E3, and names E2 as withdrawn.
     */
    @Test
    void afterAFailoverTheTailNamesWhatTheLogLostAndSkipsNothingTheNewPrimaryGot() throws Exception {
        try (TestRedis server = TestRedis.start();
             RedisClient tailing = RedisClient.create("127.0.0.1", server.port());
             RedisClient writing = RedisClient.create("127.0.0.1", server.port());
             Jedis jedis = new Jedis("127.0.0.1", server.port())) {
            Map<String, String> fields = logWithIds(jedis, writing, "1000-0", "3000-0");
            RecordingTail tail = new RecordingTail(tailing, 3);
            assertThat(tail.firstTwo.await(5, TimeUnit.SECONDS)).as("the tail printed E1 and E2").isTrue();

            jedis.del(KEYS.events());
            jedis.xadd(KEYS.events(), new StreamEntryID("1000-0"), fields);
            jedis.xadd(KEYS.events(), new StreamEntryID("2000-0"), fields);
            jedis.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "normal"); // not this connection (SKIPME yes)

            assertThat(tail.all.await(20, TimeUnit.SECONDS)).as("the tail printed E3 (seen so far: %s)", tail.seen).isTrue();
            assertThat(tail.result.get(5, TimeUnit.SECONDS)).isEqualTo("2000-0");
            assertThat(tail.seen).containsExactly("1000-0", "3000-0", "2000-0");
            assertThat(tail.withdrawn).containsExactly("3000-0");
        }
    }

    /**
     * A failover the tail sees no error for (a forced failover: its blocked read on the old primary times out
     * and the next one goes to the new primary): it printed E1 and E2, the log now has E1, E3 (an id between)
     * and E4, and its next read, after E2, returns E4 from a perfectly healthy connection. Printing E4 would
     * skip E3 for good and leave E2 printed without a word; the tail checks E2 first, names it withdrawn and
     * prints E3 and E4.
     */
    @Test
    void aFailoverWithoutAnErrorIsCaughtBeforeTheNextBatchIsPrinted() throws Exception {
        try (TestRedis server = TestRedis.start();
             RedisClient tailing = RedisClient.create("127.0.0.1", server.port());
             RedisClient writing = RedisClient.create("127.0.0.1", server.port());
             Jedis jedis = new Jedis("127.0.0.1", server.port())) {
            Map<String, String> fields = logWithIds(jedis, writing, "1000-0", "3000-0");
            RecordingTail tail = new RecordingTail(tailing, 4);
            assertThat(tail.firstTwo.await(5, TimeUnit.SECONDS)).as("the tail printed E1 and E2").isTrue();

            // no connection is lost: the log changes under the tail, as when its next read goes to the new primary
            Transaction replace = jedis.multi(); // at once, so the blocked read sees only the new log
            replace.del(KEYS.events());
            for (String id : List.of("1000-0", "2000-0", "4000-0")) {
                replace.xadd(KEYS.events(), new StreamEntryID(id), fields);
            }
            replace.exec();
            assertThat(tail.all.await(20, TimeUnit.SECONDS)).as("the tail printed E3 and E4 (seen so far: %s)", tail.seen).isTrue();
            assertThat(tail.result.get(5, TimeUnit.SECONDS)).isEqualTo("4000-0");
            assertThat(tail.seen).containsExactly("1000-0", "3000-0", "2000-0", "4000-0");
            assertThat(tail.withdrawn).containsExactly("3000-0");
            assertThat(tail.disconnections).hasValue(0);
        }
    }

    /** A primary turned replica answers a blocked XREAD with UNBLOCKED: the tail waits it out and goes on. */
    @Test
    void aReadTheServerUnblocksIsRetriedNotFatal() throws Exception {
        try (TestRedis server = TestRedis.start();
             RedisClient tailing = RedisClient.create("127.0.0.1", server.port());
             RedisClient writing = RedisClient.create("127.0.0.1", server.port());
             Jedis jedis = new Jedis("127.0.0.1", server.port())) {
            CountDownLatch unblocked = new CountDownLatch(1);
            CountDownLatch got = new CountDownLatch(1);
            Future<String> tail = executor.submit(() -> reader(tailing).tail(EventQuery.ALL, "0-0", e -> got.countDown(),
                    () -> got.getCount() == 0, (cause, wait) -> unblocked.countDown(), EventReader.Pause.SLEEP));
            ObservableState.await(Duration.ofSeconds(10), "the tail blocks in XREAD", () -> jedis.clientList().contains("cmd=xread"));
            String id = jedis.clientList().lines().filter(l -> l.contains("cmd=xread")).findFirst().orElseThrow()
                    .replaceAll("^id=(\\d+) .*$", "$1");
            assertThat(jedis.clientUnblock(Long.parseLong(id), UnblockType.ERROR)).isEqualTo(1);
            assertThat(unblocked.await(5, TimeUnit.SECONDS)).as("the tail reported the lost read").isTrue();

            log(writing).record(SecurityEvent.success("forget", "slack", "alice", Map.of()));
            assertThat(got.await(10, TimeUnit.SECONDS)).as("the tail went on").isTrue();
            tail.get(5, TimeUnit.SECONDS);
        }
    }

    /** A log holding only events with these ids (the fields of one real event, so they parse). */
    private static Map<String, String> logWithIds(Jedis jedis, RedisClient writing, String... ids) {
        log(writing).record(SecurityEvent.success("keys.init", null, null, Map.of()));
        Map<String, String> fields = jedis.xrange(KEYS.events(), "-", "+").get(0).getFields();
        jedis.del(KEYS.events());
        for (String id : ids) {
            jedis.xadd(KEYS.events(), new StreamEntryID(id), fields);
        }
        return fields;
    }

    /** A tail from the log's start that records what it printed, withdrew and lost, until it printed {@code events} events. */
    private final class RecordingTail implements EventReader.TailListener {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final List<String> withdrawn = new CopyOnWriteArrayList<>();
        final AtomicInteger disconnections = new AtomicInteger();
        final CountDownLatch firstTwo = new CountDownLatch(2);
        final CountDownLatch all;
        final Future<String> result;

        RecordingTail(RedisClient client, int events) {
            all = new CountDownLatch(events);
            result = executor.submit(() -> reader(client).tail(EventQuery.ALL, "0-0", e -> {
                seen.add(e.id());
                firstTwo.countDown();
                all.countDown();
            }, () -> all.getCount() == 0, this, EventReader.Pause.SLEEP));
        }

        @Override
        public void disconnected(RuntimeException cause, Duration wait) {
            disconnections.incrementAndGet();
        }

        @Override
        public void withdrawn(String id) {
            withdrawn.add(id);
        }
    }
}
