package dev.integ.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** When one call must be over, by the injected clock (tests advance it with their recorded sleeps). */
final class Deadline {
    private final Clock clock;
    private final Instant end;

    Deadline(Clock clock, Duration budget) {
        this.clock = clock;
        this.end = clock.instant().plus(budget);
    }

    Duration remaining() {
        Duration left = Duration.between(clock.instant(), end);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Waiting this long still leaves time for another attempt. */
    boolean leavesTimeAfter(Duration wait) {
        return wait.compareTo(remaining()) < 0;
    }
}
