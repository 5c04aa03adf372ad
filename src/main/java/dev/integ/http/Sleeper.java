package dev.integ.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** How integ waits between attempts; tests pass one that records the waits instead. */
@FunctionalInterface
public interface Sleeper {

    Sleeper REAL = d -> TimeUnit.NANOSECONDS.sleep(d.toNanos());

    void sleep(Duration duration) throws InterruptedException;
}
