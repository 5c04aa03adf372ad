package dev.integ.ratelimit;

import dev.integ.store.RedisKeys;
import dev.integ.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The algorithm at its edges, with the clock pinned (production uses Redis' TIME). */
class GcraTest {
    private static TestRedis server;
    private static RedisClient redis;
    private static final long T0 = 1_800_000_000_000L;

    private RedisRateLimiter limiter;

    @BeforeAll
    static void start() {
        server = TestRedis.start();
        redis = RedisClient.create("127.0.0.1", server.port());
    }

    @AfterAll
    static void stop() {
        redis.close();
        server.close();
    }

    @BeforeEach
    void limits() {
        redis.flushAll();
        // 10 per second per user, 15 per second for the provider overall
        limiter = new RedisRateLimiter(redis, new RedisKeys("t"), new RateLimits(Map.of("acme",
                new RateLimits.Pair(new Limit(10, Duration.ofSeconds(1)), new Limit(15, Duration.ofSeconds(1))))));
    }

    @Test
    void aFullBurstFromIdleThenTheNextIsDeniedWithTheExactWait() {
        for (int i = 0; i < 10; i++) {
            Decision d = limiter.acquireAt("acme", "alice", T0);
            assertThat(d.allowed()).as("permit %d", i + 1).isTrue();
            assertThat(d.userRemaining()).isEqualTo(9 - i);
        }
        Decision denied = limiter.acquireAt("acme", "alice", T0);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.deniedBy()).isEqualTo("user");
        assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(100));
        assertThat(denied.userRemaining()).isZero();
    }

    @Test
    void theWindowEdgeIsExact() {
        for (int i = 0; i < 10; i++) {
            limiter.acquireAt("acme", "alice", T0);
        }
        assertThat(limiter.acquireAt("acme", "alice", T0 + 99).allowed()).as("1 ms before the next permit").isFalse();
        assertThat(limiter.acquireAt("acme", "alice", T0 + 99).retryAfter()).isEqualTo(Duration.ofMillis(1));
        assertThat(limiter.acquireAt("acme", "alice", T0 + 100).allowed()).as("exactly at it").isTrue();
        assertThat(limiter.acquireAt("acme", "alice", T0 + 100).allowed()).as("and only one").isFalse();
    }

    @Test
    void aDenialTakesNothing() {
        for (int i = 0; i < 10; i++) {
            limiter.acquireAt("acme", "alice", T0);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(limiter.acquireAt("acme", "alice", T0 + 50).allowed()).isFalse();
        }
        assertThat(limiter.acquireAt("acme", "alice", T0 + 100).allowed()).as("denials did not push the window out").isTrue();
        // the provider level was charged 11 (no denial counted) and refilled 1.5 in those 100 ms
        assertThat(limiter.statusAt("acme", null, T0 + 100).provider().remaining()).isEqualTo(5);
    }

    @Test
    void theRateIsSteadyAfterTheBurst() {
        for (int i = 0; i < 10; i++) {
            limiter.acquireAt("acme", "alice", T0);
        }
        int allowed = 0;
        for (long t = T0; t < T0 + 10_000; t += 10) {
            if (limiter.acquireAt("acme", "alice", t).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).as("10 per second for 10 s after the burst").isBetween(99, 100);
    }

    @Test
    void theProviderLevelHoldsAcrossUsers() {
        for (int i = 0; i < 15; i++) {
            Decision d = limiter.acquireAt("acme", "user" + i, T0);
            assertThat(d.allowed()).as("user %d: %s", i, d).isTrue();
        }
        Decision denied = limiter.acquireAt("acme", "someone-else", T0);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.deniedBy()).isEqualTo("provider");
        assertThat(denied.retryAfter().toMillis()).isEqualTo(67); // 1000/15 ms, rounded up
        assertThat(denied.userRemaining()).as("the user level was not charged").isEqualTo(10);
    }

    @Test
    void statusShowsWhatIsLeftAndWhenItIsFull() {
        for (int i = 0; i < 4; i++) {
            limiter.acquireAt("acme", "alice", T0);
        }
        RedisRateLimiter.Status s = limiter.statusAt("acme", "alice", T0);
        assertThat(s.user().remaining()).isEqualTo(6);
        assertThat(s.user().untilFull()).isEqualTo(Duration.ofMillis(400));
        assertThat(s.provider().remaining()).isEqualTo(11);
        assertThat(limiter.statusAt("acme", "alice", T0 + 5000).user().remaining()).as("idle: full again, not more").isEqualTo(10);
    }

    @Test
    void resetClearsOneUserOrTheWholeProvider() {
        limiter.acquireAt("acme", "alice", T0);
        limiter.acquireAt("acme", "bob", T0);
        assertThat(limiter.reset("acme", "alice")).isEqualTo(1);
        assertThat(limiter.statusAt("acme", "alice", T0).user().remaining()).isEqualTo(10);
        assertThat(limiter.statusAt("acme", "bob", T0).user().remaining()).isEqualTo(9);
        assertThat(limiter.reset("acme", null)).isEqualTo(2);
        assertThat(limiter.statusAt("acme", "bob", T0).provider().remaining()).isEqualTo(15);
    }

    @Test
    void scratchKeysLeaveTheRealBudgetAlone() {
        RedisRateLimiter scratch = limiter.scratch("t1");
        for (int i = 0; i < 10; i++) {
            scratch.acquireAt("acme", "alice", T0);
        }
        assertThat(limiter.acquireAt("acme", "alice", T0).userRemaining()).isEqualTo(9);
    }

    @Test
    void bothKeysShareOneClusterSlot() {
        RedisKeys keys = new RedisKeys("t");
        assertThat(JedisClusterCRC16.getSlot(keys.rateLimitUser("acme", "a:b{c}", null)))
                .isEqualTo(JedisClusterCRC16.getSlot(keys.rateLimitOverall("acme", null)));
    }

    @Test
    void theServersClockIsUsedWhenNoneIsPinned() {
        Decision d = limiter.tryAcquire("acme", "alice");
        assertThat(d.allowed()).isTrue();
        assertThat(d.userRemaining()).isEqualTo(9);
        assertThat(redis.pttl(new RedisKeys("t").rateLimitUser("acme", "alice", null))).isBetween(1L, 100L);
    }
}
