package dev.integ.events;

import dev.integ.core.Durations;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Which events to read. Null filters match everything.
 *
 * @param provider   exact provider
 * @param user       the user in clear: matched through its HMAC, never stored
 * @param action     exact action, or a prefix when it ends with '.' or '*' ("keys." or "keys.*")
 * @param result     "success" or "failure"
 * @param since      inclusive, by append time (stream id)
 * @param until      inclusive
 * @param limit      at most this many events (0: no limit)
 * @param reverse    newest first
 * @param alertsOnly only alert.* events
 */
public record EventQuery(String provider, String user, String action, String result, Instant since, Instant until,
                         int limit, boolean reverse, boolean alertsOnly) {
    public static final EventQuery ALL = new EventQuery(null, null, null, null, null, null, 0, false, false);

    public EventQuery {
        if (result != null && !result.equals(SecurityEvent.SUCCESS) && !result.equals(SecurityEvent.FAILURE)) {
            throw IntegException.usage("invalid --result '" + Echo.of(result) + "'", "expected success or failure", null);
        }
        if (limit < 0) {
            throw IntegException.usage("invalid --limit " + limit, "it must be 0 (no limit) or more", null);
        }
        if (since != null && until != null && until.isBefore(since)) {
            throw IntegException.usage("--until is before --since", since + " .. " + until, null);
        }
    }

    public EventQuery withSince(Instant since) {
        return new EventQuery(provider, user, action, result, since, until, limit, reverse, alertsOnly);
    }

    /** Whether {@code e} passes every filter but the user and time ones (applied by the reader). */
    boolean matches(StoredEvent e, String userHmac) {
        if (provider != null && !provider.equals(e.provider())) {
            return false;
        }
        if (userHmac != null && !userHmac.equals(e.userHmac())) {
            return false;
        }
        if (result != null && !result.equals(e.result())) {
            return false;
        }
        if (alertsOnly && !e.isAlert()) {
            return false;
        }
        if (action != null) {
            if (action.endsWith("*") || action.endsWith(".")) {
                String prefix = action.endsWith("*") ? action.substring(0, action.length() - 1) : action;
                return e.action().startsWith(prefix);
            }
            return action.equals(e.action());
        }
        return true;
    }

    /**
     * A point in time as the options take it: a duration back from now ("1h", "7d", "PT15M") or an
     * ISO-8601 time ("2026-11-27T10:00Z", "2026-11-27T10:00:00+01:00", "2026-11-27" for midnight UTC).
     */
    public static Instant parseTime(String text, Clock clock, String option) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        Instant now = clock.instant();
        if (!s.isEmpty() && (Character.isLetter(s.charAt(0)) || !s.contains("-"))) {
            Duration back = null;
            try {
                back = Durations.parse(s);
            } catch (IntegException notADuration) {
                // a time, or out of range: the message below says both forms and the range
            }
            if (back != null) {
                return inRange(now.minus(back), text, option, now);
            }
        }
        try {
            return inRange(OffsetDateTime.parse(s).toInstant(), text, option, now);
        } catch (DateTimeParseException notOffset) {
            // next form
        }
        try {
            return inRange(Instant.parse(s), text, option, now);
        } catch (DateTimeParseException notInstant) {
            // next form
        }
        try {
            return inRange(LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC), text, option, now);
        } catch (DateTimeParseException notDate) {
            throw IntegException.usage("invalid " + option + " '" + Echo.of(text) + "'",
                    "expected a duration back from now (1h, 7d) or an ISO-8601 time (2026-11-27T10:00Z); " + range(now), null);
        }
    }

    /** Event ids are milliseconds since 1970 (Redis stream ids cannot go below 0). */
    private static Instant inRange(Instant t, String text, String option, Instant now) {
        if (t.isBefore(Instant.EPOCH) || t.isAfter(LATEST)) {
            throw outOfRange(text, option, now);
        }
        return t;
    }

    private static IntegException outOfRange(String text, String option, Instant now) {
        return IntegException.usage("invalid " + option + " '" + Echo.of(text) + "'", "it is out of range: " + range(now), null);
    }

    private static String range(Instant now) {
        return "give a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z, or a duration back of at most "
                + Duration.between(Instant.EPOCH, now).toDays() + "d";
    }

    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
}
