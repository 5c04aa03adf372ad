package dev.integ.keys;

import dev.integ.core.IntegException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * One `keys` job at a time, across every machine sharing the store: a Redis key set with NX and a
 * TTL (so a killed job never blocks the next for long), released only by its holder.
 */
public final class AdminLock implements AutoCloseable {
    static final Duration TTL = Duration.ofSeconds(60);
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
    private static final String EXTEND =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

    private final UnifiedJedis redis;
    private final String key;
    private final String token;

    private AdminLock(UnifiedJedis redis, String key, String token) {
        this.redis = redis;
        this.key = key;
        this.token = token;
    }

    /** Takes the lock, waiting up to {@code wait} for another job to finish; "retry later" if it does not. */
    public static AdminLock acquire(UnifiedJedis redis, String key, Duration wait) {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            if ("OK".equals(redis.set(key, token, SetParams.setParams().nx().px(TTL.toMillis())))) {
                return new AdminLock(redis, key, token);
            }
            if (System.nanoTime() >= deadline) {
                long ttl = redis.pttl(key);
                throw IntegException.retryLater("another 'integ keys' job is running", "the lock " + key + " is held"
                        + (ttl > 0 ? " for up to " + (ttl + 999) / 1000 + "s more" : ""), "retry later, or give it longer with --wait", null);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw IntegException.retryLater("interrupted while waiting for the keys lock", null, null, e);
            }
        }
    }

    /** Long jobs call this between batches so the lock does not lapse under them. */
    public void extend() {
        Object extended = redis.eval(EXTEND, List.of(key), List.of(token, Long.toString(TTL.toMillis())));
        if (!Long.valueOf(1).equals(extended)) {
            throw IntegException.retryLater("lost the keys lock " + key, "it expired or was taken over",
                    "run the command again: it resumes where it stopped", null);
        }
    }

    @Override
    public void close() {
        redis.eval(RELEASE, List.of(key), List.of(token));
    }
}
