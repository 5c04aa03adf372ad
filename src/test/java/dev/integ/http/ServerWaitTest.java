package dev.integ.http;

import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ServerWaitTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-03-02T12:00:00Z"), ZoneOffset.UTC);

    private Optional<Duration> waitFor(String... nameValues) {
        java.util.Map<String, List<String>> map = new java.util.HashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            map.put(nameValues[i], List.of(nameValues[i + 1]));
        }
        return ServerWait.of(HttpHeaders.of(Map.copyOf(map), (n, v) -> true), clock);
    }

    @Test
    void readsEveryForm() {
        assertThat(waitFor("Retry-After", "7")).contains(Duration.ofSeconds(7));
        assertThat(waitFor("retry-after", "1.5")).contains(Duration.ofMillis(1500));
        assertThat(waitFor("Retry-After", "Mon, 02 Mar 2026 12:00:30 GMT")).contains(Duration.ofSeconds(30));
        assertThat(waitFor("X-RateLimit-Reset", "2026-03-02T12:02Z")).contains(Duration.ofMinutes(2));
        assertThat(waitFor("X-RateLimit-Reset", "2026-03-02T12:00:05.5Z")).contains(Duration.ofMillis(5500));
    }

    @Test
    void theLongerOfTwoWins() {
        assertThat(waitFor("Retry-After", "5", "X-RateLimit-Reset", "2026-03-02T12:01Z")).contains(Duration.ofSeconds(60));
        assertThat(waitFor("Retry-After", "90", "X-RateLimit-Reset", "2026-03-02T12:01Z")).contains(Duration.ofSeconds(90));
    }

    @Test
    void thePastMeansNowAndNonsenseMeansNothing() {
        assertThat(waitFor("Retry-After", "Mon, 02 Mar 2026 11:00:00 GMT")).contains(Duration.ZERO);
        assertThat(waitFor("Retry-After", "soon")).isEmpty();
        assertThat(waitFor("Retry-After", "-3")).isEmpty();
        assertThat(waitFor("X-RateLimit-Reset", "1767268800")).isEmpty();
        assertThat(waitFor()).isEmpty();
    }

    @Test
    void retryInIsRoundedUpAndReadable() {
        assertThat(Failure.retryIn(Duration.ofMillis(1200))).isEqualTo("retry in 1.2s");
        assertThat(Failure.retryIn(Duration.ofMillis(1201))).isEqualTo("retry in 1.3s");
        assertThat(Failure.retryIn(Duration.ofSeconds(2))).isEqualTo("retry in 2s");
        assertThat(Failure.retryIn(Duration.ofMillis(50))).isEqualTo("retry in 0.1s");
        assertThat(Failure.retryIn(Duration.ofSeconds(90))).isEqualTo("retry in 1m30s");
        assertThat(Failure.retryIn(Duration.ofMillis(120_001))).isEqualTo("retry in 2m1s");
    }
}
