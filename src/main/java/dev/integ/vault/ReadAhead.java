package dev.integ.vault;

import dev.integ.core.IntegException;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Runs a batch producer on a second thread, at most two batches ahead of the consumer: on bulk
 * jobs Redis reads overlap with decryption instead of alternating with it (two cores, two stages).
 * Memory stays bounded; an error on either side stops both.
 */
final class ReadAhead {
    private static final Object END = new Object();

    private ReadAhead() {
    }

    @SuppressWarnings("unchecked")
    static <T> void run(Consumer<Consumer<List<T>>> producer, Consumer<List<T>> consumer) {
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
        Thread reader = new Thread(() -> {
            try {
                producer.accept(batch -> put(queue, batch));
                put(queue, END);
            } catch (Stop stopped) {
                // the consumer gave up
            } catch (RuntimeException | Error e) {
                queue.clear();
                queue.offer(e);
            }
        }, "integ-read-ahead");
        reader.setDaemon(true);
        reader.start();
        try {
            while (true) {
                Object item = queue.take();
                if (item == END) {
                    return;
                }
                if (item instanceof RuntimeException e) {
                    throw e;
                }
                if (item instanceof Error e) {
                    throw e;
                }
                consumer.accept((List<T>) item);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", null, null, e);
        } finally {
            reader.interrupt();
        }
    }

    private static void put(BlockingQueue<Object> queue, Object item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            throw new Stop();
        }
    }

    /** Unwinds the producer when the consumer has stopped. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }
}
