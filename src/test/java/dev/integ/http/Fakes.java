package dev.integ.http;

import dev.integ.ratelimit.Decision;
import dev.integ.ratelimit.PermitSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/** Time, randomness and permits under the test's control. */
final class Fakes {
    private Fakes() {
    }

    /** A clock that moves only when the sleeper says time has passed. */
    static final class FakeClock extends Clock {
        private volatile Instant now;

        FakeClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** Records each requested sleep and moves the clock instead of waiting. */
    static final class RecordingSleeper implements Sleeper {
        final List<Duration> sleeps = new CopyOnWriteArrayList<>();
        private final FakeClock clock;

        RecordingSleeper(FakeClock clock) {
            this.clock = clock;
        }

        @Override
        public void sleep(Duration d) {
            sleeps.add(d);
            clock.advance(d);
        }

        Duration total() {
            return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
        }
    }

    /** Jitter that always draws the top of its range: waits equal their ceiling. */
    static final RandomGenerator HIGHEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(long origin, long bound) {
            return bound - 1;
        }
    };

    /** Permits from a script of decisions (then always allowed), counting every request. */
    static final class ScriptedPermits implements PermitSource {
        final AtomicInteger calls = new AtomicInteger();
        private final Queue<Decision> script = new ConcurrentLinkedQueue<>();

        ScriptedPermits deny(Duration retryAfter, String deniedBy) {
            script.add(new Decision(false, retryAfter, deniedBy, 0, 0));
            return this;
        }

        @Override
        public Decision tryAcquire(String provider, String user) {
            calls.incrementAndGet();
            Decision next = script.poll();
            return next != null ? next : new Decision(true, Duration.ZERO, null, 10, 100);
        }
    }
}
