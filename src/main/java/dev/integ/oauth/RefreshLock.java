package dev.integ.oauth;

import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import dev.integ.store.LockLease;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisScript;
import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One refresh of a credential at a time, across every process and machine sharing the store. The
 * holder gets a fencing token, a number that grows with every holder. The lock is held on a
 * {@link LockLease}: renewed while its holder works, lapsing seconds after a killed one, released
 * only by its holder (on exit, SIGTERM and SIGINT too, unless the redemption is under way).
 * <p>
 * The lock alone cannot stop a holder that stalled past its expiry from writing late; the record's
 * compare-and-set on its revision does: a refresher writes only over the revision it read under the
 * lock, and every later holder's write moves it, so a newer record is never overwritten. (A fence
 * check in the store would add nothing: each higher fence already changed the revision.)
 */
final class RefreshLock implements AccessTokens.HeldLock {
    private static final RedisScript ACQUIRE = new RedisScript("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            local fence = redis.call('INCR', KEYS[2])
            redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
            return fence""");

    private final long fence;
    private final LockLease lease;

    private RefreshLock(long fence, LockLease lease) {
        this.fence = fence;
        this.lease = lease;
    }

    /** Takes the lock of {@code provider}/{@code user}, waiting up to {@code wait} for another refresh to finish. */
    static RefreshLock acquire(UnifiedJedis redis, RedisKeys keys, String provider, String user, Duration wait) {
        return acquire(redis, keys, provider, user, wait, LockLease.DEFAULT);
    }

    /** @param lease how long the lock outlives its last renewal (tests shorten it) */
    static RefreshLock acquire(UnifiedJedis redis, RedisKeys keys, String provider, String user, Duration wait, Duration lease) {
        String key = keys.refreshLock(provider, user);
        List<byte[]> both = List.of(bytes(key), bytes(keys.refreshFence(provider, user)));
        List<byte[]> ttl = List.of(bytes(Long.toString(lease.toMillis())));
        long deadline = System.nanoTime() + wait.toNanos();
        long pauseMicros = 2_000;
        LockLease held = LockLease.prepare(redis, key, lease);
        try {
            while (true) {
                Object fence = ACQUIRE.eval(redis, both, ttl);
                if (fence instanceof Long f && f > 0) {
                    held.start(Long.toString(f));
                    return new RefreshLock(f, held);
                }
                if (System.nanoTime() >= deadline) {
                    throw IntegException.retryLater("another process is refreshing the " + provider + " credential of " + user,
                            "its lock is still held after " + Durations.format(wait), "try again in a minute", null);
                }
                // waiters poll with a growing, jittered pause: the holder is usually done within one provider round trip
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(pauseMicros / 2, pauseMicros) * 1000);
                pauseMicros = Math.min(pauseMicros * 2, 100_000);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw IntegException.retryLater("interrupted while waiting for the refresh lock", null, null, null);
                }
            }
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    @Override
    public long fence() {
        return fence;
    }

    @Override
    public boolean holdThrough(Duration redemption) {
        return lease.holdThrough(redemption);
    }

    /** A renewal found the lock gone or taken over. */
    boolean lost() {
        return lease.lost();
    }

    @Override
    public void close() {
        lease.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
