package dev.integ.oauth;

import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The rejected callbacks of one sign-in, coalesced into a few {@code state.mismatch} events, so that no
 * volume of bogus requests to the receiver can flood the security event log and push older events out.
 *
 * <p>The first rejection is recorded at once (the alert fires while the sign-in still waits); while more
 * arrive, at most one event per {@link #INTERVAL}; and when the sign-in ends, {@link #finish()} records a
 * summary if anything arrived since the last event. Every event carries the running totals of the sign-in
 * ({@code count}, {@code first}, {@code last}, {@code reasons}), so the last one of a sign-in (same
 * correlation id) holds the final count. Counting is a few atomic operations on the receiver's threads;
 * the thread that finds an event due writes it while the others go on counting (never more than one
 * write at a time, and a write that fails is not retried before the next interval). Fail open, as every
 * read: the caller is told either way.
 */
final class RejectedCallbacks implements Consumer<CallbackOutcome.Rejected> {
    static final Duration INTERVAL = Duration.ofSeconds(10);

    private final EventLog events;
    private final String provider;
    private final String user;
    private final Clock clock;
    private final long intervalMillis;

    private final AtomicLong count = new AtomicLong();
    private final AtomicLong firstMillis = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastMillis = new AtomicLong(Long.MIN_VALUE);
    private final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();
    private volatile String firstReason;

    private final ReentrantLock writing = new ReentrantLock();
    /** Guarded by {@link #writing}, read without it only as a hint. */
    private volatile long nextDueMillis = Long.MIN_VALUE;
    private long recordedCount;
    private boolean finished;

    RejectedCallbacks(EventLog events, String provider, String user, Clock clock) {
        this(events, provider, user, clock, INTERVAL);
    }

    RejectedCallbacks(EventLog events, String provider, String user, Clock clock, Duration interval) {
        this.events = events;
        this.provider = provider;
        this.user = user;
        this.clock = clock;
        this.intervalMillis = interval.toMillis();
    }

    /** Counts one rejected callback; records an event only when one is due. */
    @Override
    public void accept(CallbackOutcome.Rejected rejected) {
        long now = clock.millis();
        // the times and reasons before the count, so a snapshot that includes this request includes its facts
        if (firstMillis.compareAndSet(Long.MAX_VALUE, now)) {
            firstReason = rejected.reason();
        }
        firstMillis.accumulateAndGet(now, Math::min);
        lastMillis.accumulateAndGet(now, Math::max);
        // the reasons are CallbackCheck's fixed sentences: a handful of entries at most
        reasons.computeIfAbsent(rejected.reason(), r -> new LongAdder()).increment();
        count.incrementAndGet();
        if (now >= nextDueMillis && writing.tryLock()) {
            try {
                if (!finished && now >= nextDueMillis) {
                    nextDueMillis = now + intervalMillis;
                    record();
                }
            } finally {
                writing.unlock();
            }
        }
    }

    /** Ends the sign-in: records what arrived since the last event, if anything; later rejections are only counted. */
    void finish() {
        writing.lock();
        try {
            if (!finished) {
                finished = true;
                if (count.get() > recordedCount) {
                    record();
                }
            }
        } finally {
            writing.unlock();
        }
    }

    /** How many were rejected so far. */
    long count() {
        return count.get();
    }

    private void record() {
        long n = count.get();
        if (n == 0) {
            return;
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("reason", firstReason == null ? "" : firstReason);
        details.put("count", Long.toString(n));
        details.put("first", Instant.ofEpochMilli(firstMillis.get()).toString());
        details.put("last", Instant.ofEpochMilli(lastMillis.get()).toString());
        details.put("reasons", reasonCounts());
        boolean[] written = {true};
        events.recordQuietly(SecurityEvent.failure("state.mismatch", provider, user, details), notRecorded -> written[0] = false);
        if (written[0]) {
            recordedCount = n;
        }
    }

    /** "REASON: N; REASON: N", sorted, for responders telling a forged state from an authorization-server mix-up. */
    private String reasonCounts() {
        Map<String, Long> sorted = new TreeMap<>();
        reasons.forEach((reason, n) -> sorted.put(reason, n.sum()));
        StringBuilder out = new StringBuilder();
        sorted.forEach((reason, n) -> out.append(out.length() == 0 ? "" : "; ").append(reason).append(": ").append(n));
        return out.toString();
    }
}
