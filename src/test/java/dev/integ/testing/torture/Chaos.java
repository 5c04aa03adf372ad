package dev.integ.testing.torture;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * kill -9 of random worker processes at random moments, and one kill -9 and restart of redis-server
 * somewhere in the middle of the run. The pauses between blows are the chaos' rhythm, not waits for
 * a result.
 */
final class Chaos implements Runnable {
    private final TortureRig rig;
    private final Random random;
    private final long deadline;
    private final Set<Op> running;
    private final long restartAt;
    private final AtomicInteger kills = new AtomicInteger();
    private volatile Throwable failure;

    Chaos(TortureRig rig, long seed, long startNanos, long deadlineNanos, Set<Op> running) {
        this.rig = rig;
        this.random = new Random(seed);
        this.deadline = deadlineNanos;
        this.running = running;
        // somewhere between 35 % and 65 % of the run
        this.restartAt = startNanos + (long) ((deadlineNanos - startNanos) * (0.35 + 0.3 * random.nextDouble()));
    }

    @Override
    public void run() {
        try {
            boolean restarted = false;
            while (pause(Duration.ofMillis(300 + random.nextInt(2000)))) {
                if (!restarted && System.nanoTime() >= restartAt) {
                    rig.restartRedis(Duration.ofMillis(300 + random.nextInt(1200)));
                    restarted = true;
                } else {
                    killOne();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    private void killOne() {
        // at most one worker command in four dies: on a slow machine a fixed rhythm would kill nearly every one
        long launched = rig.ops().stream().filter(op -> op.lane.startsWith("w")).count();
        if (kills.get() >= launched / 4) {
            return;
        }
        // a stopped process belongs to a scene, which resumes it; killing it would end the scene early
        List<Op> candidates = running.stream().filter(op -> !op.stopped && op.process != null && op.process.isAlive()).toList();
        if (candidates.isEmpty()) {
            return;
        }
        rig.kill(candidates.get(random.nextInt(candidates.size())));
        kills.incrementAndGet();
    }

    /** False once the deadline has come. */
    private boolean pause(Duration d) throws InterruptedException {
        long until = Math.min(System.nanoTime() + d.toNanos(), deadline);
        TimeUnit.NANOSECONDS.sleep(Math.max(0, until - System.nanoTime()));
        return System.nanoTime() < deadline;
    }

    int killsSent() {
        return kills.get();
    }

    Throwable failure() {
        return failure;
    }
}
