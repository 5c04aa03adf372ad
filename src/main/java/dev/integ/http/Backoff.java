package dev.integ.http;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: retry n waits a uniformly random time in
 * [0, min(cap, base * 2^n)]. The randomness spreads out many clients that failed together, so they
 * don't all come back at the same instant (see "Exponential Backoff And Jitter", AWS Architecture Blog).
 */
final class Backoff {
    private final Duration base;
    private final Duration cap;
    private final RandomGenerator random;

    Backoff(Duration base, Duration cap, RandomGenerator random) {
        this.base = base;
        this.cap = cap;
        this.random = random;
    }

    /** The longest wait retry {@code retry} (0 for the first) may get. */
    Duration ceiling(int retry) {
        // past 2^30 the product overflows long before it matters: the cap has long been reached
        if (retry >= 30) {
            return cap;
        }
        long nanos = base.toNanos() << retry;
        return nanos < 0 || nanos > cap.toNanos() ? cap : Duration.ofNanos(nanos);
    }

    Duration delay(int retry) {
        return Duration.ofNanos(random.nextLong(0, ceiling(retry).toNanos() + 1));
    }
}
