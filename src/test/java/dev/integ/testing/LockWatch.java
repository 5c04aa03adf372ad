package dev.integ.testing;

import redis.clients.jedis.UnifiedJedis;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/** Waits on what a lock's holder does to its Redis key, never on the clock (the timeouts only bound a broken test). */
public final class LockWatch {
    private LockWatch() {
    }

    /** Waits until {@code condition} holds, checking every millisecond; fails with {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("gave up after " + timeout + " waiting until " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Waits until the heartbeat has renewed {@code key} {@code times} times, each seen as its time to live
     * going up; fails if the key disappears meanwhile.
     */
    public static void awaitRenewals(UnifiedJedis redis, String key, int times, Duration timeout) {
        long[] last = {redis.pttl(key)};
        int[] seen = {0};
        await(key + " was renewed " + times + " times", timeout, () -> {
            long ttl = redis.pttl(key);
            if (ttl < 0) {
                fail(key + " is gone (time to live " + ttl + ") after " + seen[0] + " renewals");
            }
            if (ttl > last[0]) {
                seen[0]++;
            }
            last[0] = ttl;
            return seen[0] >= times;
        });
    }
}
