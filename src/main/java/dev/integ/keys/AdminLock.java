package dev.integ.keys;

import dev.integ.core.IntegException;
import dev.integ.store.LockLease;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * One `keys` job at a time, across every machine sharing the store: a Redis key set with NX, held
 * on a {@link LockLease} (renewed while the job runs, lapsing seconds after a killed one, released on
 * exit, SIGTERM and SIGINT included) and released only by its holder.
 */
public final class AdminLock implements AutoCloseable {
    private final String key;
    private final LockLease lease;

    private AdminLock(String key, LockLease lease) {
        this.key = key;
        this.lease = lease;
    }

    /** Takes the lock, waiting up to {@code wait} for another job to finish; "retry later" if it does not. */
    public static AdminLock acquire(UnifiedJedis redis, String key, Duration wait) {
        return acquire(redis, key, wait, LockLease.DEFAULT);
    }

    /** @param lease how long the lock outlives its last renewal (tests shorten it) */
    static AdminLock acquire(UnifiedJedis redis, String key, Duration wait, Duration lease) {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        long deadline = System.nanoTime() + wait.toNanos();
        LockLease held = LockLease.prepare(redis, key, lease);
        try {
            while (true) {
                if ("OK".equals(redis.set(key, token, SetParams.setParams().nx().px(lease.toMillis())))) {
                    held.start(token);
                    return new AdminLock(key, held);
                }
                if (System.nanoTime() >= deadline) {
                    long ttl = redis.pttl(key);
                    throw IntegException.retryLater("another 'integ keys' job is running", "the lock " + key + " is held"
                            + (ttl > 0 ? " for up to " + (ttl + 999) / 1000 + "s more" : ""), "retry later, or give it longer with --wait", null);
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            held.close();
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted while waiting for the keys lock", null, null, e);
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    /**
     * Long jobs call this between batches: the heartbeat keeps the lock, this makes sure it still
     * does (one round trip) before the next batch, and stops the job if it does not.
     */
    public void extend() {
        if (!lease.renew()) {
            throw IntegException.retryLater("lost the keys lock " + key, "it expired or was taken over",
                    "run the command again: it resumes where it stopped", null);
        }
    }

    @Override
    public void close() {
        lease.close();
    }
}
