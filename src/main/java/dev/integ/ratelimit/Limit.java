package dev.integ.ratelimit;

import dev.integ.core.Durations;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.time.Duration;

/** A rate: so many permits per period, written "50/1m" or "1000/100s" (periods as everywhere in integ). */
public record Limit(long permits, Duration period) {

    public Limit {
        if (permits <= 0 || period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("a limit needs a positive count and period");
        }
    }

    /** @param setting where the text came from, for the error message ("rate-limits.slack.per-user") */
    public static Limit parse(String text, String setting) {
        String s = text == null ? "" : text.trim();
        int slash = s.indexOf('/');
        try {
            if (slash > 0) {
                long permits = Long.parseLong(s.substring(0, slash).trim());
                Duration period = Durations.parse(s.substring(slash + 1).trim());
                if (permits > 0 && !period.isZero()) {
                    return new Limit(permits, period);
                }
            }
        } catch (NumberFormatException | IntegException e) {
            // reported below with the whole value
        }
        throw IntegException.usage("invalid rate limit " + setting + ": '" + Echo.of(text) + "'",
                "expected a positive count and a period such as 50/1m or 1000/100s (units ms, s, m, h, d)", null);
    }

    /** Time between permits at the steady rate (GCRA's emission interval), in milliseconds. */
    double intervalMillis() {
        return (double) period.toMillis() / permits;
    }

    @Override
    public String toString() {
        return permits + "/" + Durations.format(period);
    }
}
