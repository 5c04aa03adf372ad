package dev.integ.testing.fakes;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds back a fake's answer to one caller after it has redeemed a refresh token: the provider has
 * spent the token and issued its successor, but the client does not know yet, as in a network stall.
 * The test does whatever must happen meanwhile, then {@link #release()}s the answer.
 */
public final class AnswerGate {
    /** A held answer goes out anyway after this, so a forgotten gate cannot hang a fake's thread for good. */
    static final Duration LONGEST_HOLD = Duration.ofSeconds(60);

    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    /** Waits until a redemption by the caller is being held; false if none came within {@code timeout}. */
    public boolean awaitHeld(Duration timeout) throws InterruptedException {
        return arrived.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public boolean held() {
        return arrived.getCount() == 0;
    }

    /** Lets the held answer go (or the next one through at once). */
    public void release() {
        released.countDown();
    }

    /** On the fake's request thread. */
    void hold() {
        arrived.countDown();
        try {
            released.await(LONGEST_HOLD.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
