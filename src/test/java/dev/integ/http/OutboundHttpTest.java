package dev.integ.http;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.http.Fakes.FakeClock;
import dev.integ.http.Fakes.RecordingSleeper;
import dev.integ.http.Fakes.ScriptedPermits;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import java.util.random.RandomGenerator;

import static dev.integ.http.FakeProvider.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The outbound policy against a fake provider on loopback, with recorded sleeps and a clock they move. */
class OutboundHttpTest {
    private static final Instant NOW = Instant.parse("2026-03-02T12:00:50Z");
    /** Short timeouts keep the timeout tests fast; loopback connects in well under them. */
    private static final OutboundPolicy POLICY = new OutboundPolicy(4, Duration.ofSeconds(30),
            Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofMillis(300));

    private FakeProvider provider;
    private FakeClock clock;
    private RecordingSleeper sleeper;
    private ScriptedPermits permits;

    @BeforeEach
    void start() throws IOException {
        provider = FakeProvider.start();
        clock = new FakeClock(NOW);
        sleeper = new RecordingSleeper(clock);
        permits = new ScriptedPermits();
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    private OutboundHttp http(OutboundPolicy policy, RandomGenerator random) {
        return new OutboundHttp(permits, policy, ProviderSignals.standard(), clock, sleeper, random);
    }

    /** Jitter at its highest, so a wait longer than the backoff cap can only come from the provider. */
    private OutboundHttp http() {
        return http(POLICY, Fakes.HIGHEST);
    }

    private OutboundRequest get(String providerName, String operation) {
        return OutboundRequest.of(providerName, "U1", operation, HttpRequest.newBuilder(provider.uri("/" + operation.replace(' ', '-'))).GET().build());
    }

    private OutboundRequest post(String providerName, String operation) {
        return OutboundRequest.of(providerName, "U1", operation, HttpRequest.newBuilder(provider.uri("/" + operation.replace(' ', '-')))
                .header("Authorization", "Bearer xoxb-1111-2222-SECRETSECRET")
                .POST(HttpRequest.BodyPublishers.ofString("channel=C1&text=hello")).build());
    }

    private static void assertFails(ThrowingCallable call, ExitCode code, String... parts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(IntegException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(code);
            assertThat(e.getMessage()).contains(parts);
        });
    }

    @Nested
    class ServerAskedWaits {
        @Test
        void retryAfterSecondsIsWaitedBeforeTheOneRetry() {
            provider.replies(status(429, "{\"ok\":false,\"error\":\"ratelimited\"}", "Retry-After", "2"), status(200, "{\"ok\":true}"));

            HttpResponse<String> response = http().send(get("slack", "conversations.list"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(provider.requests()).isEqualTo(2);
            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(2));
        }

        @Test
        void retryAfterAsAnHttpDateIsWaitedUntilThatDate() {
            String in3s = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(3).atZone(ZoneOffset.UTC));
            provider.replies(status(429, "", "Retry-After", in3s), status(200, "{}"));

            http().send(get("google", "files.list"));

            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(3));
        }

        @Test
        void atlassianRateLimitResetIsWaitedUntilThatTimestamp() {
            // Atlassian's format has minutes only: 12:01Z is 10 s after NOW
            provider.replies(status(429, "", "X-RateLimit-Reset", "2026-03-02T12:01Z"), status(200, "{}"));

            http().send(get("jira", "issue.get"));

            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(10));
        }

        @Test
        void aWaitLongerThanTheBudgetFailsAtOnceSayingWhenToComeBack() {
            provider.replies(status(429, "{\"ok\":false,\"error\":\"ratelimited\"}", "Retry-After", "120"));

            assertFails(() -> http().send(post("slack", "chat.postMessage")), ExitCode.RETRY_LATER,
                    "rate limited: slack chat.postMessage: HTTP 429, retry in 2m");
            assertThat(provider.requests()).isEqualTo(1);
            assertThat(sleeper.sleeps).isEmpty();
        }
    }

    @Nested
    class ServerErrors {
        @Test
        void aGetIsRetriedOn503WithFullJitterBackoff() {
            provider.replies(status(503, "busy"), status(503, "busy"), status(503, "busy"), status(200, "{}"));

            HttpResponse<String> response = http(POLICY, new Random(7)).send(get("google", "files.list"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(sleeper.sleeps).hasSize(3);
            // retry n waits a random time in [0, min(cap, base * 2^n)]: 100 ms, 200 ms, 400 ms
            assertThat(sleeper.sleeps.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(100));
            assertThat(sleeper.sleeps.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(200));
            assertThat(sleeper.sleeps.get(2)).isBetween(Duration.ZERO, Duration.ofMillis(400));
        }

        @Test
        void aGetThatKeepsFailingGivesUpAfterTheMaximumAttempts() {
            provider.replies(status(503, "upstream unavailable"));

            assertFails(() -> http().send(get("google", "files.list")), ExitCode.RETRY_LATER,
                    "google files.list failed: HTTP 503, after 4 attempts: upstream unavailable");
            assertThat(provider.requests()).isEqualTo(4);
            assertThat(sleeper.sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
        }

        @Test
        void aPostAnswered500IsNotRetriedBecauseItMayHaveBeenApplied() {
            provider.replies(status(500, "oops"));

            assertFails(() -> http().send(post("slack", "chat.postMessage")), ExitCode.RETRY_LATER,
                    "slack chat.postMessage failed: HTTP 500; it may have been applied, not retried: oops");
            assertThat(provider.requests()).isEqualTo(1);
        }

        @Test
        void aPostAnswered503WithoutRetryAfterIsNotRetried() {
            provider.replies(status(503, "busy"));

            assertFails(() -> http().send(post("jira", "issue.create")), ExitCode.RETRY_LATER, "HTTP 503; it may have been applied");
            assertThat(provider.requests()).isEqualTo(1);
        }

        @Test
        void aPostAnswered503WithRetryAfterIsRetriedAfterThatWait() {
            provider.replies(status(503, "maintenance", "Retry-After", "3"), status(201, "{}"));

            assertThat(http().send(post("jira", "issue.create")).statusCode()).isEqualTo(201);
            assertThat(provider.requests()).isEqualTo(2);
            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(3));
        }

        @Test
        void aPostTheCallerMarksIdempotentIsRetriedOn500() {
            provider.replies(status(500, "oops"), status(200, "{}"));

            http().send(post("google", "files.search").withIdempotent(true));

            assertThat(provider.requests()).isEqualTo(2);
        }

        @Test
        void aTokenRefreshMarkedNotIdempotentIsNeverSentTwice() {
            provider.replies(status(502, "bad gateway"));
            OutboundRequest refresh = OutboundRequest.of("jira", "U1", "token refresh", HttpRequest.newBuilder(provider.uri("/oauth/token"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{}")).build()).withIdempotent(false);

            assertFails(() -> http().send(refresh), ExitCode.RETRY_LATER, "jira token refresh failed: HTTP 502; it may have been applied");
            assertThat(provider.requests()).isEqualTo(1);
        }
    }

    @Nested
    class Timeouts {
        @Test
        void aPostThatTimesOutAfterTheProviderActedOnItIsSentExactlyOnce() {
            provider.replies(provider.hang());

            assertFails(() -> http().send(post("slack", "chat.postMessage")), ExitCode.RETRY_LATER,
                    "timed out waiting for slack chat.postMessage; it may have been applied, not retried");
            assertThat(provider.requests()).as("side effects on the provider").isEqualTo(1);
            assertThat(sleeper.sleeps).isEmpty();
        }

        @Test
        void aGetThatTimesOutIsRetried() {
            provider.replies(provider.hang(), status(200, "{}"));

            assertThat(http().send(get("google", "files.get")).statusCode()).isEqualTo(200);
            assertThat(provider.requests()).isEqualTo(2);
        }

        /**
         * The provider stalls until the test ends, so only integ's own bound on the whole answer can end
         * the call; without it the call would hang, which the timeout (far above the policy's 300 ms +
         * 300 ms) turns into a failure instead.
         */
        @Test
        @Timeout(60)
        void aBodyThatStallsAfterTheHeadersTimesOutToo() {
            provider.replies(provider.stallMidBody());

            assertFails(() -> http().send(post("slack", "chat.postMessage")), ExitCode.RETRY_LATER, "timed out waiting for slack chat.postMessage");
            assertThat(provider.requests()).isEqualTo(1);
        }
    }

    @Nested
    class FailuresBeforeSending {
        @Test
        void aPostToAClosedPortIsRetriedBecauseItNeverLeft() throws IOException {
            URI closed;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/api/chat.postMessage");
            }
            OutboundRequest request = OutboundRequest.of("slack", "U1", "chat.postMessage",
                    HttpRequest.newBuilder(closed).POST(HttpRequest.BodyPublishers.ofString("text=hi")).build());

            assertFails(() -> http().send(request), ExitCode.RETRY_LATER, "could not connect to slack for chat.postMessage", "after 4 attempts");
            assertThat(permits.calls).as("attempts").hasValue(4);
            assertThat(sleeper.sleeps).hasSize(3);
        }

        @Test
        void aPostAnswered429WithRetryAfterIsRetried() {
            provider.replies(status(429, "{\"ok\":false,\"error\":\"ratelimited\"}", "Retry-After", "1"), status(200, "{\"ok\":true}"));

            assertThat(http().send(post("slack", "chat.postMessage")).body()).isEqualTo("{\"ok\":true}");
            assertThat(provider.requests()).isEqualTo(2);
            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(1));
        }
    }

    @Nested
    class ClientErrors {
        @ParameterizedTest(name = "{0} {1} {2} -> exit {3}")
        @CsvSource(delimiter = '|', value = {
                "google | 400 | {\"error\":\"invalid_request\"}                                             | 1",
                "slack  | 401 | {\"ok\":false,\"error\":\"invalid_auth\"}                                  | 5",
                "google | 400 | {\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"} | 5",
                "jira   | 403 | {\"error\":\"invalid_grant\",\"error_description\":\"Unknown or invalid refresh token.\"} | 5",
                "google | 403 | {\"error\":{\"code\":403,\"errors\":[{\"reason\":\"insufficientPermissions\"}]}} | 3",
                "jira   | 403 | {\"errorMessages\":[\"You do not have permission\"]}                      | 3",
                "jira   | 404 | {\"errorMessages\":[\"Issue does not exist\"]}                            | 3",
                "jira   | 422 | {\"errors\":{\"summary\":\"too long\"}}                                    | 1"})
        void areNeverRetriedAndMapToTheirExitCode(String providerName, int status, String body, int exitCode) {
            provider.replies(status(status, body), status(200, "{}"));

            // a GET, which would be retried on any failure that retrying can fix
            assertThatThrownBy(() -> http().send(get(providerName, "op")))
                    .isInstanceOfSatisfying(IntegException.class, e -> {
                        assertThat(e.exitCode().code()).isEqualTo(exitCode);
                        assertThat(e.getMessage()).contains(providerName + " op", "HTTP " + status);
                    });
            assertThat(provider.requests()).isEqualTo(1);
            assertThat(sleeper.sleeps).isEmpty();
        }

        @Test
        void reauthorizationNamesTheCredentialInTheHint() {
            provider.replies(status(400, "{\"error\":\"invalid_grant\"}"));

            assertThatThrownBy(() -> http().send(post("google", "token refresh")))
                    .isInstanceOfSatisfying(IntegException.class, e -> {
                        assertThat(e.getMessage()).startsWith("google token refresh was refused: HTTP 400");
                        assertThat(e.hint()).isEqualTo("the google credential of U1 must be authorized again");
                    });
        }
    }

    @Nested
    class ProviderRateLimitSignals {
        @ParameterizedTest
        @ValueSource(strings = {
                "{\"error\":{\"code\":403,\"message\":\"User Rate Limit Exceeded\",\"errors\":[{\"domain\":\"usageLimits\",\"reason\":\"userRateLimitExceeded\"}]}}",
                "{\"error\":{\"code\":403,\"errors\":[{\"domain\":\"usageLimits\",\"reason\":\"rateLimitExceeded\"}]}}",
                "{\"error\":{\"code\":403,\"status\":\"RATE_LIMIT_EXCEEDED\"}}",
                "{\"error\":{\"code\":403,\"status\":\"PERMISSION_DENIED\",\"details\":[{\"reason\":\"RATE_LIMIT_EXCEEDED\"}]}}"})
        void google403RateLimitIsRetried(String body) {
            provider.replies(status(403, body), status(200, "{}"));

            assertThat(http().send(get("google", "files.list")).statusCode()).isEqualTo(200);
            assertThat(provider.requests()).isEqualTo(2);
        }

        @Test
        void google403RateLimitHonoursRetryAfter() {
            provider.replies(status(403, "{\"error\":{\"errors\":[{\"reason\":\"userRateLimitExceeded\"}]}}", "Retry-After", "4"), status(200, "{}"));

            http().send(get("google", "files.list"));

            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(4));
        }

        @Test
        void slackOkFalseRatelimitedOver200IsRetriedHonouringRetryAfter() {
            provider.replies(status(200, "{\"ok\":false,\"error\":\"ratelimited\"}", "Retry-After", "3"), status(200, "{\"ok\":true}"));

            assertThat(http().send(post("slack", "chat.postMessage")).body()).isEqualTo("{\"ok\":true}");
            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(3));
        }

        @Test
        void slackOkFalseRatelimitedWithoutRetryAfterBacksOff() {
            provider.replies(status(200, "{\"ok\":false,\"error\":\"ratelimited\"}"), status(200, "{\"ok\":true}"));

            http().send(post("slack", "chat.postMessage"));

            assertThat(sleeper.sleeps).containsExactly(Duration.ofMillis(100));
        }

        @Test
        void slackRateLimitThatNeverEndsSaysRateLimited() {
            provider.replies(status(200, "{\"ok\":false,\"error\":\"ratelimited\"}"));

            assertFails(() -> http().send(post("slack", "chat.postMessage")), ExitCode.RETRY_LATER,
                    "rate limited: slack chat.postMessage: HTTP 200, after 4 attempts");
        }

        @Test
        void otherSlackErrorsAreTheCallersToRead() {
            provider.replies(status(200, "{\"ok\":false,\"error\":\"channel_not_found\"}"));

            assertThat(http().send(post("slack", "chat.postMessage")).body()).contains("channel_not_found");
            assertThat(provider.requests()).isEqualTo(1);
        }

        @Test
        void aNewProvidersSignalIsOneMoreEntryInTheTable() {
            // GitHub-style: a 403 with no requests left is a rate limit, any other 403 a denial
            ProviderSignals signals = ProviderSignals.standard().with("github",
                    answer -> answer.status() == 403 && answer.headers().firstValue("X-RateLimit-Remaining").orElse("").equals("0"));
            provider.replies(status(403, "{}", "X-RateLimit-Remaining", "0", "Retry-After", "1"), status(403, "{}"));
            OutboundHttp http = new OutboundHttp(permits, POLICY, signals, clock, sleeper, Fakes.HIGHEST);

            assertFails(() -> http.send(get("github", "repos.get")), ExitCode.NOT_FOUND, "github repos.get was denied: HTTP 403");
            assertThat(provider.requests()).isEqualTo(2);
            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(1));
        }

        @Test
        void aRatelimitedBodyFromAnotherProviderIsNotSlacksSignal() {
            provider.replies(status(200, "{\"ok\":false,\"error\":\"ratelimited\"}"));

            http().send(get("jira", "issue.get"));

            assertThat(provider.requests()).isEqualTo(1);
        }
    }

    @Nested
    class Permits {
        @Test
        void aPermitIsTakenBeforeEveryAttempt() {
            provider.replies(status(503, ""), status(503, ""), status(200, "{}"));

            http().send(get("google", "files.list"));

            assertThat(permits.calls).hasValue(3);
            assertThat(provider.requests()).isEqualTo(3);
        }

        @Test
        void aShortDenialIsWaitedOutThenTheCallProceeds() {
            permits.deny(Duration.ofMillis(1200), "user");

            assertThat(http().send(post("slack", "chat.postMessage")).statusCode()).isEqualTo(200);
            assertThat(sleeper.sleeps).containsExactly(Duration.ofMillis(1200));
            assertThat(permits.calls).hasValue(2);
            assertThat(provider.requests()).isEqualTo(1);
        }

        @Test
        void aDenialBeyondThePermitWaitFailsWithoutCallingTheProvider() {
            permits.deny(Duration.ofMillis(8200), "provider");

            assertThatThrownBy(() -> http().send(post("slack", "chat.postMessage")))
                    .isInstanceOfSatisfying(IntegException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
                        assertThat(e.getMessage()).isEqualTo("rate limited: slack chat.postMessage: retry in 8.2s");
                        assertThat(e.hint()).contains("slack rate limit");
                    });
            assertThat(provider.requests()).isZero();
            assertThat(sleeper.sleeps).isEmpty();
        }

        @Test
        void repeatedDenialsStopAtThePermitWait() {
            permits.deny(Duration.ofSeconds(2), "user").deny(Duration.ofSeconds(2), "user").deny(Duration.ofSeconds(2), "user");

            assertFails(() -> http().send(post("slack", "chat.postMessage")), ExitCode.RETRY_LATER, "retry in 2s");
            assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
            assertThat(provider.requests()).isZero();
        }

        @Test
        void aDenialNeverWaitsPastTheTimeBudget() {
            OutboundPolicy twoSeconds = new OutboundPolicy(4, Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofSeconds(1),
                    Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofMillis(300));
            permits.deny(Duration.ofSeconds(3), "user");

            assertFails(() -> http(twoSeconds, Fakes.HIGHEST).send(post("slack", "chat.postMessage")), ExitCode.RETRY_LATER, "retry in 3s");
            assertThat(sleeper.sleeps).isEmpty();
        }
    }

    /** The budget runs on the fake clock; the attempts' own timeouts are generous, so a slow machine cannot turn a 503 into a timeout. */
    @Test
    void retriesStopWhenTheTimeBudgetIsUsedUp() {
        OutboundPolicy threeSeconds = new OutboundPolicy(10, Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));
        provider.replies(status(503, "busy"));

        assertFails(() -> http(threeSeconds, Fakes.HIGHEST).send(get("google", "files.list")), ExitCode.RETRY_LATER,
                "google files.list failed: HTTP 503, after 3 attempts, the 3s time budget is used up");
        assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(sleeper.total()).isLessThan(Duration.ofSeconds(3));
        assertThat(provider.requests()).isEqualTo(3);
    }

    @Nested
    class NoSecretInMessages {
        private static final String SLACK_TOKEN = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
        private static final String GOOGLE_TOKEN = "ya29.a0AfH6SMBx3kq-Example_Token.value";
        private static final String REFRESH = "1//0gLongRefreshTokenValueThatGoesOnAndOn";

        @Test
        void tokensInA500BodyNeverReachTheMessage() {
            provider.replies(status(500, "Internal error while handling token " + SLACK_TOKEN + " and " + GOOGLE_TOKEN + " / " + REFRESH));

            assertThatThrownBy(() -> http().send(post("slack", "chat.postMessage")))
                    .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage())
                            .contains("slack chat.postMessage", "HTTP 500", "Internal error while handling token")
                            .doesNotContain(SLACK_TOKEN, "123456789012", GOOGLE_TOKEN, "a0AfH6SMBx3kq", REFRESH, "0gLongRefresh"));
        }

        @Test
        void tokensInAJsonErrorNeverReachTheMessage() {
            provider.replies(status(400, "{\"error\":\"invalid_grant\",\"access_token\":\"short-secret-1\",\"refresh_token\":\"rt-2\","
                    + "\"id_token\":\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\",\"client_secret\":\"cs-3\",\"code\":\"4/0Ab-code\"}"));

            assertThatThrownBy(() -> http().send(post("google", "token refresh")))
                    .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage())
                            .contains("invalid_grant", "HTTP 400")
                            .doesNotContain("short-secret-1", "rt-2", "eyJhbGci", "cs-3", "4/0Ab-code"));
        }

        @Test
        void anAuthorizationHeaderEchoedBackNeverReachesTheMessage() {
            provider.replies((exchange, request) -> status(500, "bad request: Authorization: " + request.authorization()).answer(exchange, request));

            assertThatThrownBy(() -> http().send(post("slack", "chat.postMessage")))
                    .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage())
                            .doesNotContain("xoxb-1111-2222-SECRETSECRET", "SECRETSECRET"));
            assertThat(provider.seen().get(0).authorization()).isEqualTo("Bearer xoxb-1111-2222-SECRETSECRET");
        }

        @Test
        void theRequestBodyAndUrlAreNeverInTheMessage() {
            provider.replies(status(500, "no"));
            OutboundRequest revoke = OutboundRequest.of("google", "U1", "revoke", HttpRequest.newBuilder(provider.uri("/revoke?token=opaque-query-token"))
                    .POST(HttpRequest.BodyPublishers.ofString("token=opaque-body-token")).build());

            assertThatThrownBy(() -> http().send(revoke)).isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage())
                    .doesNotContain("opaque-query-token", "opaque-body-token", "/revoke", "127.0.0.1"));
            assertThat(revoke.toString()).doesNotContain("opaque-query-token");
        }
    }

    @Test
    void requestsAreIdempotentByMethodUnlessTheCallerSays() {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("https://slack.com/api/x"));
        assertThat(OutboundRequest.of("slack", "U1", "x", builder.GET().build()).idempotent()).isTrue();
        assertThat(OutboundRequest.of("slack", "U1", "x", builder.DELETE().build()).idempotent()).isTrue();
        assertThat(OutboundRequest.of("slack", "U1", "x", builder.POST(HttpRequest.BodyPublishers.noBody()).build()).idempotent()).isFalse();
        assertThat(OutboundRequest.of("slack", "U1", "x", builder.method("PATCH", HttpRequest.BodyPublishers.noBody()).build()).idempotent()).isFalse();
    }

    @Test
    void aPolicyThatMakesNoSenseIsAUsageError() {
        assertThatThrownBy(() -> new OutboundPolicy(0, Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
        assertThatThrownBy(() -> new OutboundPolicy(4, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30)))
                .hasMessageContaining("backoff cap");
    }
}
