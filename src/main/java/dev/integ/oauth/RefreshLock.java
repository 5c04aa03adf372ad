package dev.integ.oauth;

import dev.integ.core.IntegException;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisScript;
import redis.clients.jedis.UnifiedJedis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One refresh of a credential at a time, across every process and machine sharing the store. The
 * holder gets a fencing token, a number that grows with every holder; the lock expires on its own
 * (a killed refresher never blocks the next for long) and is released only by its holder.
 * <p>
 * The lock alone cannot stop a holder that stalled past its expiry from writing late; the record's
 * compare-and-set on its revision does: a refresher writes only over the revision it read under the
 * lock, and every later holder's write moves it, so a newer record is never overwritten. (A fence
 * check in the store would add nothing: each higher fence already changed the revision.)
 */
final class RefreshLock implements AccessTokens.HeldLock {
    static final Duration TTL = Duration.ofSeconds(60);
    private static final RedisScript ACQUIRE = new RedisScript("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            local fence = redis.call('INCR', KEYS[2])
            redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
            return fence""");
    private static final RedisScript RELEASE = new RedisScript(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0");

    private final UnifiedJedis redis;
    private final String key;
    private final long fence;

    private RefreshLock(UnifiedJedis redis, String key, long fence) {
        this.redis = redis;
        this.key = key;
        this.fence = fence;
    }

    /** Takes the lock of {@code provider}/{@code user}, waiting up to {@code wait} for another refresh to finish. */
    static RefreshLock acquire(UnifiedJedis redis, RedisKeys keys, String provider, String user, Duration wait) {
        String key = keys.refreshLock(provider, user);
        List<byte[]> both = List.of(bytes(key), bytes(keys.refreshFence(provider, user)));
        List<byte[]> ttl = List.of(bytes(Long.toString(TTL.toMillis())));
        long deadline = System.nanoTime() + wait.toNanos();
        long pauseMicros = 2_000;
        while (true) {
            Object fence = ACQUIRE.eval(redis, both, ttl);
            if (fence instanceof Long f && f > 0) {
                return new RefreshLock(redis, key, f);
            }
            if (System.nanoTime() >= deadline) {
                throw IntegException.retryLater("another process is refreshing the " + provider + " credential of " + user,
                        "its lock is still held after " + dev.integ.core.Durations.format(wait), "try again in a minute", null);
            }
            // waiters poll with a growing, jittered pause: the holder is usually done within one provider round trip
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(pauseMicros / 2, pauseMicros) * 1000);
            pauseMicros = Math.min(pauseMicros * 2, 100_000);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw IntegException.retryLater("interrupted while waiting for the refresh lock", null, null, null);
            }
        }
    }

    @Override
    public long fence() {
        return fence;
    }

    @Override
    public void close() {
        RELEASE.eval(redis, List.of(bytes(key)), List.of(bytes(Long.toString(fence))));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
