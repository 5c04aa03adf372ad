package dev.integ.oauth;

import java.time.Duration;

/**
 * The time a polling loop reads and the way it waits: the real ones in integ, a virtual clock in tests,
 * so a test of the device grant's 5 to 10 s intervals runs without waiting for them.
 */
public interface PollClock {
    PollClock REAL = new PollClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis());
        }
    };

    /** A monotonic reading, as {@link System#nanoTime()}. */
    long nanoTime();

    void sleep(Duration duration) throws InterruptedException;
}
