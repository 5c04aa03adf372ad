package dev.integ.http;

import dev.integ.core.Durations;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.time.Duration;

/**
 * How patient integ is with a provider.
 *
 * @param maxAttempts    attempts per call, the first included
 * @param totalBudget    the longest one call may take, waits and attempts together
 * @param backoffBase    the first retry waits a random time up to this; each later one up to twice as long...
 * @param backoffCap     ...but never more than this (the provider's own Retry-After may ask for more)
 * @param permitWait     the longest one attempt waits for a permit from integ's own rate limiter
 * @param connectTimeout the longest a connection may take to open
 * @param requestTimeout the longest one attempt may wait for the provider's answer once connected
 */
public record OutboundPolicy(int maxAttempts, Duration totalBudget, Duration backoffBase, Duration backoffCap,
                             Duration permitWait, Duration connectTimeout, Duration requestTimeout) {

    public static final OutboundPolicy DEFAULTS = new OutboundPolicy(4, Duration.ofSeconds(30),
            Duration.ofMillis(500), Duration.ofSeconds(8), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30));

    public OutboundPolicy {
        if (maxAttempts < 1) {
            throw invalid("max attempts", maxAttempts + "", "at least 1");
        }
        positive("total budget", totalBudget);
        positive("backoff base", backoffBase);
        positive("backoff cap", backoffCap);
        positive("connect timeout", connectTimeout);
        positive("request timeout", requestTimeout);
        if (permitWait == null || permitWait.isNegative()) {
            throw invalid("permit wait", String.valueOf(permitWait), "zero or more");
        }
        if (backoffCap.compareTo(backoffBase) < 0) {
            throw invalid("backoff cap", Durations.format(backoffCap), "at least the backoff base (" + Durations.format(backoffBase) + ")");
        }
    }

    /**
     * The longest one call can take, every wait and attempt included: the time budget, plus the
     * connect time of an attempt that starts just inside it (each attempt is bounded by connect
     * timeout + what is left of the budget).
     */
    public Duration longestCall() {
        return totalBudget.plus(connectTimeout);
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw invalid(name, value == null ? "none" : Durations.format(value), "more than zero");
        }
    }

    private static IntegException invalid(String name, String value, String expected) {
        return IntegException.usage("invalid outbound HTTP " + name + " '" + Echo.of(value) + "'", "expected " + expected, null);
    }
}
