package dev.integ.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C or SIGTERM during a job that must say where it stopped: a shutdown hook asks the job to stop
 * at its next safe point, then keeps the JVM alive (up to {@code patience}) until the job has reported
 * and {@link #close} is called. The JVM exits once the hook returns, so the report must be printed
 * before closing: a report thrown as an IntegException is printed by ErrorReporter after the command
 * has returned, so the command closes this through {@link Terminal#whenReported}, not in a finally.
 */
final class StopOnShutdown implements AutoCloseable {
    private final Thread hook;
    private final CountDownLatch reported = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final boolean installed;

    /**
     * @param requestStop asks the job to stop at its next safe point; called on the hook's thread
     * @param announce    tells the person at the terminal that the job is stopping (it may take a moment)
     */
    StopOnShutdown(Runnable requestStop, Runnable announce, Duration patience) {
        this.hook = new Thread(() -> {
            stopping.set(true);
            requestStop.run();
            announce.run();
            try {
                reported.await(patience.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "integ-stop-on-shutdown");
        boolean added;
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            added = true;
        } catch (IllegalStateException shuttingDown) {
            requestStop.run();
            added = false;
        }
        this.installed = added;
    }

    /** The job has reported (or finished): let the JVM go. */
    @Override
    public void close() {
        reported.countDown();
        if (installed && !stopping.get()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now, and returns as the latch is open
            }
        }
    }
}
