package dev.integ.api;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Where a token may go, and what the event log keeps of a path. */
class ApiBaseTest {
    private static final ApiBase SLACK = ApiBase.of("https://slack.com/api/");

    @ParameterizedTest
    @CsvSource({
            "chat.postMessage, https://slack.com/api/chat.postMessage",
            "/conversations.list?limit=2, https://slack.com/api/conversations.list?limit=2",
            "//evil.example/x, https://slack.com/api/evil.example/x",
            "https://slack.com/api/auth.test, https://slack.com/api/auth.test",
            "HTTPS://SLACK.COM:443/api/auth.test, HTTPS://SLACK.COM:443/api/auth.test"})
    void underTheBase(String given, String expected) {
        assertThat(SLACK.resolve("slack", given)).hasToString(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example/api/auth.test", "http://slack.com/api/auth.test", "https://slack.com:8443/api/x",
            "https://slack.com/oauth/v2/authorize", "https://slack.com/api/../oauth", "../oauth/v2/authorize",
            "https://user@slack.com/api/auth.test", "https://slack.com.evil.example/api/x", "file:///etc/passwd"})
    void refusedBeforeAnyTokenIsRead(String given) {
        IntegException e = catchThrowableOfType(() -> SLACK.resolve("slack", given), IntegException.class);
        assertThat(e).as(given).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).contains("refusing to send the slack token");
    }

    @Test
    void pathTemplatesKeepWordsAndVersionsAndHideIdsAndQueries() {
        assertThat(PathTemplate.of("/ex/jira/1324a887-45db-1bf4-1e99-ef0ff456d421/rest/api/3/issue/OPS-12"))
                .isEqualTo("/ex/jira/{id}/rest/api/3/issue/{id}");
        assertThat(PathTemplate.of("/drive/v3/files/1AbCdEfGhIjKlMnOpQrStUvWxYz")).isEqualTo("/drive/v3/files/{id}");
        assertThat(PathTemplate.of("/api/chat.postMessage")).isEqualTo("/api/chat.postMessage");
        assertThat(PathTemplate.of("/users/alice@example.com")).isEqualTo("/users/{id}");
    }
}
