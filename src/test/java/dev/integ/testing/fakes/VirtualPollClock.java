package dev.integ.testing.fakes;

import dev.integ.oauth.PollClock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link PollClock} whose sleeps return at once and move its time on: polling tests never wait for real intervals. */
public final class VirtualPollClock implements PollClock {
    private final AtomicLong nanos = new AtomicLong();
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public void sleep(Duration duration) {
        sleeps.add(duration);
        nanos.addAndGet(duration.toNanos());
    }

    /** Every sleep asked for, in order. */
    public List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }

    /** The sum of the sleeps: the virtual time that passed. */
    public Duration elapsed() {
        return Duration.ofNanos(nanos.get());
    }
}
