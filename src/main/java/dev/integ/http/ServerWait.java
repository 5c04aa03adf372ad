package dev.integ.http;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How long the provider asked us to stay away: a minimum, never shortened by jitter.
 * Reads {@code Retry-After} (RFC 9110: delta-seconds or an HTTP-date; every provider) and
 * {@code X-RateLimit-Reset} (Atlassian: an ISO-8601 timestamp such as 2026-01-01T12:01Z). When both are
 * present the longer wins. A value that can't be read is ignored rather than trusted.
 */
final class ServerWait {
    private static final Pattern SECONDS = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?");

    private ServerWait() {
    }

    static Optional<Duration> of(HttpHeaders headers, Clock clock) {
        Instant now = clock.instant();
        Optional<Duration> retryAfter = headers.firstValue("Retry-After").flatMap(v -> retryAfter(v.trim(), now));
        Optional<Duration> reset = headers.firstValue("X-RateLimit-Reset").flatMap(v -> isoInstant(v.trim()).map(t -> until(now, t)));
        return Stream.of(retryAfter, reset).flatMap(Optional::stream).max(Duration::compareTo);
    }

    private static Optional<Duration> retryAfter(String value, Instant now) {
        if (SECONDS.matcher(value).matches()) {
            return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000)));
        }
        try {
            return Optional.of(until(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> isoInstant(String value) {
        try {
            // ISO_OFFSET_DATE_TIME takes seconds as optional, which Atlassian's yyyy-MM-ddTHH:mmZ needs
            return Optional.of(OffsetDateTime.parse(value).toInstant());
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /** A time in the past (clock skew) means "now", not a negative wait. */
    private static Duration until(Instant now, Instant then) {
        Duration d = Duration.between(now, then);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
