package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PastedRedirectTest {
    private static final URI EXPECTED = URI.create("http://127.0.0.1:53682/cb/slack");
    private static final String CODE = "SECRETCODE4242";

    @Test
    void returnsTheQueryOfTheFullRedirectUrl() {
        Map<String, String> params = PastedRedirect.parse(
                "  http://127.0.0.1:53682/cb/slack?code=" + CODE + "&state=abc%20d&iss=https%3A%2F%2Fauth.example\n", EXPECTED);
        assertThat(params).containsEntry("code", CODE).containsEntry("state", "abc d").containsEntry("iss", "https://auth.example");
    }

    @Test
    void theParametersGoThroughTheSameCheck() {
        Map<String, String> params = PastedRedirect.parse("http://127.0.0.1:53682/cb/slack?code=" + CODE + "&state=abc", EXPECTED);
        assertThat(new CallbackCheck("abc", null, false).check(params)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void ipv6AndLocalhostRedirectsAreMatchedToo() {
        assertThat(PastedRedirect.parse("http://[::1]:4000/cb?code=x", URI.create("http://[::1]:4000/cb"))).containsEntry("code", "x");
        assertThat(PastedRedirect.parse("HTTP://LocalHost:4000/cb?code=x", URI.create("http://localhost:4000/cb"))).containsEntry("code", "x");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://127.0.0.1:53683/cb/slack?code=" + CODE,
            "http://127.0.0.1/cb/slack?code=" + CODE,
            "http://localhost:53682/cb/slack?code=" + CODE,
            "http://evil.example:53682/cb/slack?code=" + CODE,
            "https://127.0.0.1:53682/cb/slack?code=" + CODE,
            "http://127.0.0.1:53682/cb/other?code=" + CODE,
            "http://127.0.0.1:53682/cb/slack/?code=" + CODE,
            "http://me@127.0.0.1:53682/cb/slack?code=" + CODE,
            "/cb/slack?code=" + CODE,
            "code=" + CODE + "&state=x",
            "http://127.0.0.1:53682/cb/slack?code=" + CODE + " and some words"})
    void anythingElseIsAUsageErrorThatNeverRepeatsThePastedText(String pasted) {
        assertThatThrownBy(() -> PastedRedirect.parse(pasted, EXPECTED))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage())
                            .isEqualTo("the pasted URL is not integ's redirect address: expected it to start with " + EXPECTED)
                            .doesNotContain(CODE);
                    assertThat(e.hint()).contains("address bar").doesNotContain(CODE);
                    assertThat(e.getCause()).isNull();
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\n"})
    void emptyInputSaysNothingWasPasted(String pasted) {
        assertThatThrownBy(() -> PastedRedirect.parse(pasted, EXPECTED))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).isEqualTo("nothing was pasted");
                });
        assertThatThrownBy(() -> PastedRedirect.parse(null, EXPECTED)).hasMessage("nothing was pasted");
    }
}
