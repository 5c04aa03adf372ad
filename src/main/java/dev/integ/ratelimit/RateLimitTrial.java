package dev.integ.ratelimit;

import dev.integ.core.IntegException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/** `ratelimit test`: fires checks through the real limiter as fast as it answers and counts what it said. */
public final class RateLimitTrial {
    private final PermitSource limiter;

    /**
     * @param firstDenial the index (1-based, in order of answers) of the first denied check, 0 if none
     * @param firstRetryAfter what that denial said
     */
    public record Result(String provider, String user, int checks, int concurrency, long allowed, long denied, long firstDenial,
                         Duration firstRetryAfter, String firstDeniedBy, Duration elapsed, long checksPerSecond) {
    }

    public RateLimitTrial(PermitSource limiter) {
        this.limiter = limiter;
    }

    public Result run(String provider, String user, int checks, int concurrency, LongConsumer progress) {
        AtomicInteger next = new AtomicInteger();
        AtomicLong answered = new AtomicLong();
        AtomicLong allowed = new AtomicLong();
        AtomicReference<Object[]> first = new AtomicReference<>();
        ExecutorService threads = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                workers.add(threads.submit(() -> {
                    while (next.getAndIncrement() < checks) {
                        Decision d = limiter.tryAcquire(provider, user);
                        long n = answered.incrementAndGet();
                        if (d.allowed()) {
                            allowed.incrementAndGet();
                        } else {
                            first.compareAndSet(null, new Object[] {n, d});
                        }
                        if (n % 1000 == 0) {
                            progress.accept(n);
                        }
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : IntegException.failure("ratelimit test failed", String.valueOf(e.getCause()), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", null, null, e);
        } finally {
            threads.shutdownNow();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Object[] denial = first.get();
        Decision firstDenied = denial == null ? null : (Decision) denial[1];
        return new Result(provider, user, checks, concurrency, allowed.get(), checks - allowed.get(), denial == null ? 0 : (Long) denial[0],
                firstDenied == null ? null : firstDenied.retryAfter(), firstDenied == null ? null : firstDenied.deniedBy(), elapsed,
                elapsed.isZero() ? 0 : checks * 1_000_000_000L / Math.max(1, elapsed.toNanos()));
    }
}
