package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedirectTargetTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, http://127.0.0.1:53682/cb/slack",
            "::1, http://[::1]:53682/cb/slack",
            "localhost, http://localhost:53682/cb/slack"})
    void buildsTheRedirectUriForTheBoundPort(String host, String expected) {
        assertThat(new RedirectTarget(host, 0, "/cb/slack").uri(53682)).isEqualTo(URI.create(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "example.com", "127.0.0.2", "[::1]", "LOCALHOST", "192.168.1.10", ""})
    void acceptsOnlyTheThreeLoopbackHosts(String host) {
        assertThatThrownBy(() -> new RedirectTarget(host, 0, "/cb"))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).contains("127.0.0.1, ::1 or localhost");
                    assertThat(e.hint()).contains("RFC 8252");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "cb", "/cb?x=1", "/cb#f", "/c b", "/cb\n"})
    void rejectsPathsThatAreNotPlainUriPaths(String path) {
        assertThatThrownBy(() -> new RedirectTarget("127.0.0.1", 0, path))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void rejectsPortsOutOfRange() {
        assertThatThrownBy(() -> new RedirectTarget("127.0.0.1", 65536, "/cb")).isInstanceOf(IntegException.class);
        assertThatThrownBy(() -> new RedirectTarget("127.0.0.1", -1, "/cb")).isInstanceOf(IntegException.class);
    }
}
