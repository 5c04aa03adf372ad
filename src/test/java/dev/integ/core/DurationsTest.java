package dev.integ.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "90s, PT1M30S", "5m, PT5M", "2h, PT2H", "7d, PT168H", "1h30m, PT1H30M", "250ms, PT0.25S",
            "PT5M, PT5M", "P1D, PT24H", "0s, PT0S"})
    void parsesIntegNotationAndIso(String text, String iso) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "m", "5 m", "-5m", "5min", "1.5h", "PT-5M", "P", "99999999999999999999s"})
    void rejectsWithAUsageErrorNamingTheInput(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).startsWith("invalid duration '" + text + "'").contains("90s, 5m, 2h, 7d");
                });
    }

    @ParameterizedTest
    @CsvSource({"PT1M30S, 1m30s", "PT168H, 7d", "PT0.25S, 250ms", "PT0S, 0s", "PT2H, 2h"})
    void formatsTheShortestExactForm(String iso, String text) {
        assertThat(Durations.format(Duration.parse(iso))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }
}
