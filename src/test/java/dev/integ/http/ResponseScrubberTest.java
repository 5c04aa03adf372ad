package dev.integ.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseScrubberTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "JSON access_token          | {\"access_token\":\"at-short\",\"ok\":true}                        | at-short",
            "JSON refresh_token, spaced | {\"refresh_token\" :  \"rt-short\"}                                | rt-short",
            "JSON id_token              | {\"id_token\":\"x.y.z\"}                                           | x.y.z",
            "JSON token                 | {\"token\":\"tk-short\"}                                           | tk-short",
            "JSON client_secret         | {\"client_secret\":\"cs-short\"}                                   | cs-short",
            "JSON code                  | {\"code\":\"4/0AY0e-short\"}                                       | 4/0AY0e-short",
            "JSON camelCase accessToken | {\"accessToken\":\"camel-short\"}                                  | camel-short",
            "nested Slack authed_user   | {\"authed_user\":{\"id\":\"U1\",\"access_token\":\"nested-short\"}} | nested-short",
            "escaped quote in a value   | {\"access_token\":\"ab\\\"cd-secret\"}                              | cd-secret",
            "value cut off, no end quote| {\"refresh_token\":\"cut-short                                     | cut-short",
            "form-encoded               | access_token=form-short&token_type=bearer                        | form-short",
            "Bearer header echoed       | Authorization: Bearer opaque.bearer~value                        | opaque.bearer~value",
            "Slack bot token in text    | token xoxb-1-2-abc was revoked                                   | xoxb-1-2-abc",
            "Slack user token           | xoxp-1234-5678-abcdef                                            | 1234-5678-abcdef",
            "Slack rotated token        | xoxe.xoxp-1-Mi0yLTEyMzQ                                          | Mi0yLTEyMzQ",
            "Slack refresh token        | xoxe-1-My0xLTEyMzQ                                               | My0xLTEyMzQ",
            "Google access token        | bad token ya29.a0ARrdaM-short                                    | a0ARrdaM",
            "Google refresh token       | bad token 1//0gShort                                             | 0gShort",
            "JWT                        | jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_nature-1         | eyJzdWIiOiIxMjMifQ",
            "a.b.c token                | opaque AbCdEfGhIjKlMnOp.QrStUvWxYz012345.6789abcdefghijkl         | QrStUvWxYz012345",
            "long base64url run         | secret AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-                     | AbCdEfGhIjKlMnOpQrStUvWxYz"})
    void redactsTokenShapes(String shape, String body, String secret) {
        String scrubbed = ResponseScrubber.scrub(body);

        assertThat(scrubbed).doesNotContain(secret).contains(ResponseScrubber.REDACTED);
    }

    @Test
    void keepsWhatHelpsDiagnosis() {
        assertThat(ResponseScrubber.scrub("{\"ok\":false,\"error\":\"channel_not_found\"}")).isEqualTo("{\"ok\":false,\"error\":\"channel_not_found\"}");
        assertThat(ResponseScrubber.scrub("{\"error\":{\"code\":403,\"errors\":[{\"reason\":\"insufficientPermissions\"}]}}"))
                .contains("403", "insufficientPermissions");
        assertThat(ResponseScrubber.scrub("{\"errorMessages\":[\"Issue does not exist\"],\"key\":\"PROJ-123\"}")).contains("PROJ-123");
    }

    @Test
    void redactsBeforeCuttingSoNoHalfTokenSurvives() {
        String token = "xoxp-" + "1234567890".repeat(30);
        String scrubbed = ResponseScrubber.scrub("x".repeat(150) + " " + token);

        assertThat(scrubbed).doesNotContain("xoxp-1234").hasSizeLessThanOrEqualTo(ResponseScrubber.MAX_CHARS + 3);
    }

    @Test
    void cutsLongBodiesAndFlattensThemToOneSafeLine() {
        assertThat(ResponseScrubber.scrub("word ".repeat(100))).hasSize(ResponseScrubber.MAX_CHARS + 3).endsWith("...");
        assertThat(ResponseScrubber.scrub("<html>\r\n  <h1>502</h1>\u001b[31m\n</html>")).isEqualTo("<html> <h1>502</h1> [31m </html>");
        assertThat(ResponseScrubber.scrub(null)).isEmpty();
    }

    @Test
    void aHugeBodyIsHandledQuickly() {
        String huge = "{\"access_token\":\"" + "a".repeat(2_000_000) + "\"}";

        assertThat(ResponseScrubber.scrub(huge)).doesNotContain("aaaa");
        assertThat(ResponseScrubber.scrub("x ".repeat(1_000_000))).hasSize(ResponseScrubber.MAX_CHARS + 3);
    }
}
