package dev.integ.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(8), new Random(1));

    @Test
    void theCeilingDoublesUpToTheCap() {
        assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(backoff.ceiling(5)).isEqualTo(Duration.ofSeconds(8));
        assertThat(backoff.ceiling(63)).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void delaysAreSpreadOverTheWholeRangeFromZero() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Duration d = backoff.delay(2);
            assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(2));
            seen.add(d.toMillis() / 200);
        }
        // full jitter: every tenth of [0, 2s] gets some of the draws, the lowest included
        assertThat(seen).hasSize(10);
    }
}
