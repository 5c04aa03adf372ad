package dev.integ.store;

import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lease of a Redis lock (a key holding its holder's token): the key expires one lease after its
 * last renewal, and a daemon heartbeat renews it every third of a lease while the holder works. So a
 * holder killed with -9 blocks the next one for seconds, and a live holder keeps the lock however long
 * it works. A renewal that finds the key gone or someone else's marks the lease {@link #lost()}; the
 * holder checks before each step that needs the lock ({@link #renew()} answers from Redis itself).
 * <p>
 * Every lease of the process is released when the JVM exits, on SIGTERM and SIGINT too (a shutdown
 * hook, best effort within {@link #EXIT_GRACE}); one in a step that must not be cut short
 * ({@link #holdThrough}) is left to its holder until then, and otherwise to lapse.
 */
public final class LockLease implements AutoCloseable {
    /**
     * Renewed every 5 s, so a renewal may fail or time out (the Redis timeout is 3 s by default) and the
     * next one still lands 5 s before the end; short enough that a lock left by kill -9 has lapsed
     * before a `keys` job's default --wait (20 s) runs out.
     */
    public static final Duration DEFAULT = Duration.ofSeconds(15);
    /** How long releasing at exit may delay the exit: a dead Redis must not hold up a Ctrl-C. */
    static final Duration EXIT_GRACE = Duration.ofSeconds(2);

    /** Never shortens the TTL: a step covered by {@link #holdThrough} keeps its cover while the heartbeat goes on. */
    private static final RedisScript EXTEND = new RedisScript("""
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 1""");
    private static final RedisScript RELEASE = new RedisScript(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0");
    private static final Set<LockLease> HELD = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean EXIT_HOOK = new AtomicBoolean();

    private final UnifiedJedis redis;
    private final List<byte[]> key;
    private final Duration lease;
    private final ScheduledExecutorService heartbeat;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile byte[] token;
    private volatile boolean lost;
    private volatile boolean finishBeforeExit;

    private LockLease(UnifiedJedis redis, String key, Duration lease) {
        this.redis = redis;
        this.key = List.of(bytes(key));
        this.lease = lease;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "integ-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A lease for a lock about to be taken, registered for release at exit <b>before</b> the key is set:
     * a signal that lands just after the SET still finds it. Call {@link #start} once the key is set,
     * {@link #close} if it never is.
     */
    public static LockLease prepare(UnifiedJedis redis, String key, Duration lease) {
        LockLease prepared = new LockLease(redis, key, lease);
        HELD.add(prepared);
        if (EXIT_HOOK.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> releaseAllAtExit(EXIT_GRACE), "integ-lock-release"));
            } catch (IllegalStateException exiting) {
                // taken while the JVM exits: it lapses within the lease
            }
        }
        return prepared;
    }

    /**
     * The key now holds {@code token} (with a TTL of one lease): the heartbeat starts, at a fixed rate so
     * that a renewal that times out does not push the next one back.
     */
    public void start(String token) {
        this.token = bytes(token);
        long beat = lease.toNanos() / 3;
        try {
            if (!closed.get()) {
                heartbeat.scheduleAtFixedRate(this::beat, beat, beat, TimeUnit.NANOSECONDS);
                return;
            }
        } catch (RejectedExecutionException closing) {
            // fall through
        }
        // the exit hook closed it while the key was being set, too early to know what to release
        releaseQuietly();
    }

    /** A renewal found the lock gone or someone else's (or it was released): nothing that needs it may run. */
    public boolean lost() {
        return lost;
    }

    /** Renews now, in one round trip: false if the lock is no longer this holder's. */
    public boolean renew() {
        return extendTo(lease);
    }

    /**
     * Makes the lock outlast a step that takes at most {@code step}, then a lease more for what follows,
     * whether or not a renewal lands meanwhile; and at exit leaves it to the holder (within the grace)
     * instead of releasing it under the step. False, and nothing changed, if it is no longer this holder's.
     */
    public boolean holdThrough(Duration step) {
        finishBeforeExit = true;
        if (!extendTo(step.plus(lease))) {
            finishBeforeExit = false;
            return false;
        }
        return true;
    }

    private boolean extendTo(Duration ttl) {
        if (lost) {
            return false;
        }
        Object extended = EXTEND.eval(redis, key, List.of(token, bytes(Long.toString(ttl.toMillis()))));
        if (!Long.valueOf(1).equals(extended)) {
            lost = true;
        }
        return !lost;
    }

    private void beat() {
        try {
            if (!renew()) {
                heartbeat.shutdown();
            }
        } catch (RuntimeException unreachable) {
            // the lease still runs: the next beat tries again, and a lock that lapsed meanwhile is found lost then
        }
    }

    /**
     * Stops the heartbeat and deletes the lock if it is still this holder's. Never throws: it runs on
     * error paths, where the error that ended the job is the one to report, and a lock it could not
     * delete lapses within the lease anyway.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        heartbeat.shutdown();
        try {
            releaseQuietly();
        } finally {
            lost = true;
            HELD.remove(this);
            released.countDown();
        }
    }

    private void releaseQuietly() {
        byte[] held = token;
        if (held == null) {
            return; // never set
        }
        try {
            RELEASE.eval(redis, key, List.of(held));
        } catch (RuntimeException e) {
            // see close(): it lapses within the lease
        }
    }

    /**
     * Releases every lease this process holds, on a daemon thread so that a Redis that does not answer
     * delays the exit by {@code grace} at most. Leases in a step that must finish are left to their
     * holders until then; what is still held after it lapses on its own.
     */
    static void releaseAllAtExit(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        List<LockLease> held = List.copyOf(HELD);
        if (held.isEmpty()) {
            return;
        }
        Thread releaser = new Thread(() -> held.stream().filter(l -> !l.finishBeforeExit).forEach(LockLease::close),
                "integ-lock-release-at-exit");
        releaser.setDaemon(true);
        releaser.start();
        try {
            for (LockLease l : held) {
                if (l.finishBeforeExit) {
                    l.released.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            }
            releaser.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
