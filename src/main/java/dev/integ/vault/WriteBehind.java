package dev.integ.vault;

import dev.integ.core.IntegException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Runs write batches on one background thread, with at most {@code depth} outstanding, and hands
 * back their results in order. A failure surfaces on the caller's thread at the next call.
 */
final class WriteBehind<T> implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "integ-write-behind");
        t.setDaemon(true);
        return t;
    });
    private final Deque<Future<T>> pending = new ArrayDeque<>();
    private final int depth;

    WriteBehind(int depth) {
        this.depth = depth;
    }

    /** Queues a write; returns the results of writes that had to finish to make room. */
    List<T> submit(Supplier<T> write) {
        pending.add(thread.submit(write::get));
        List<T> done = new ArrayList<>();
        while (pending.size() > depth) {
            done.add(await(pending.poll()));
        }
        return done;
    }

    /** Waits for every queued write; returns their results. */
    List<T> finish() {
        List<T> done = new ArrayList<>();
        while (!pending.isEmpty()) {
            done.add(await(pending.poll()));
        }
        return done;
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw IntegException.failure("a write failed", String.valueOf(e.getCause()), null, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", null, null, e);
        }
    }

    /**
     * Lets queued writes finish (so they happen while the caller still holds its lock), then stops
     * the thread. Their results are dropped: only an early exit leaves any.
     */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
