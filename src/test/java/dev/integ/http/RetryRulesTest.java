package dev.integ.http;

import dev.integ.core.ExitCode;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** Failures that a loopback server can't stage reliably (a connect timeout needs a black-hole address). */
class RetryRulesTest {
    private final RetryRules rules = new RetryRules(ProviderSignals.standard(), Clock.systemUTC());
    private final OutboundRequest post = OutboundRequest.of("slack", "U1", "chat.postMessage",
            HttpRequest.newBuilder(URI.create("https://slack.com/api/chat.postMessage")).POST(HttpRequest.BodyPublishers.ofString("x")).build());
    private final OutboundRequest get = OutboundRequest.of("google", "U1", "files.list",
            HttpRequest.newBuilder(URI.create("https://www.googleapis.com/drive/v3/files")).GET().build());

    @Test
    void aConnectTimeoutIsRetriedEvenForAPostBecauseNothingWasSent() {
        assertThat(rules.afterError(post, new HttpConnectTimeoutException("HTTP connect timed out")).retryable()).isTrue();
        assertThat(rules.afterError(post, new ConnectException("Connection refused")).retryable()).isTrue();
    }

    @Test
    void aReadTimeoutOrResetIsRetriedOnlyWhenIdempotent() {
        RetryDecision timedOut = rules.afterError(post, new HttpTimeoutException("request timed out"));
        assertThat(timedOut.retryable()).isFalse();
        assertThat(timedOut.failure().exception("").getMessage())
                .isEqualTo("timed out waiting for slack chat.postMessage; it may have been applied, not retried");

        RetryDecision reset = rules.afterError(post, new IOException("Connection reset"));
        assertThat(reset.retryable()).isFalse();
        assertThat(reset.failure().exception("").getMessage())
                .isEqualTo("slack chat.postMessage failed: Connection reset; it may have been applied, not retried");

        assertThat(rules.afterError(get, new HttpTimeoutException("request timed out")).retryable()).isTrue();
        assertThat(rules.afterError(get, new IOException("Connection reset")).retryable()).isTrue();
    }

    @Test
    void aFailedTlsHandshakeIsNotRetriedBecauseRetryingCannotFixIt() {
        RetryDecision decision = rules.afterError(get, new SSLHandshakeException("PKIX path building failed"));

        assertThat(decision.retryable()).isFalse();
        assertThat(decision.failure().exitCode()).isEqualTo(ExitCode.FAILURE);
    }
}
