package dev.integ.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits until another process reaches a state the test can observe (a replica in sync, a Sentinel
 * naming the new primary): those converge on the servers' own schedules. The condition is asked
 * again every few milliseconds; the result of a test never depends on how long that takes, only on
 * the state, and the deadline only bounds a test whose servers never get there.
 */
public final class ObservableState {
    private ObservableState() {
    }

    public static void await(Duration limit, String what, BooleanSupplier reached) {
        long deadline = System.nanoTime() + limit.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (reached.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                last = notYet; // a server between two states may refuse the question itself
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("not reached within " + limit + ": " + what + (last == null ? "" : " (last error: " + last + ")"));
    }
}
