package dev.integ.http;

import dev.integ.core.ExitCode;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The one place that decides what an attempt's outcome means. The rule of thumb: retry when the
 * provider certainly did not act on the request (it was never sent, or the provider turned it away),
 * or when acting twice is harmless (an idempotent request); otherwise stop and say so.
 */
final class RetryRules {
    private static final String TRY_LATER = "try again later";

    private final ProviderSignals signals;
    private final Clock clock;

    RetryRules(ProviderSignals signals, Clock clock) {
        this.signals = signals;
        this.clock = clock;
    }

    RetryDecision afterAnswer(OutboundRequest request, HttpResponse<String> response) {
        ProviderAnswer answer = ProviderAnswer.of(response);
        int status = answer.status();
        String http = "HTTP " + status;
        if (signals.isRateLimited(request.provider(), answer)) {
            // a rate-limited request was turned away before the provider acted on it: even a POST may go again
            return RetryDecision.retry(failure(ExitCode.RETRY_LATER, "rate limited: " + request.name(), http, answer, TRY_LATER),
                    ServerWait.of(answer.headers(), clock));
        }
        if (status < 400) {
            return RetryDecision.SUCCEEDED;
        }
        if (status == 401 || "invalid_grant".equals(answer.errorCode())) {
            return RetryDecision.stop(failure(ExitCode.HUMAN_ACTION, request.name() + " was refused", http, answer,
                    "the " + request.provider() + " credential of " + request.user() + " must be authorized again"));
        }
        if (status == 403) {
            return RetryDecision.stop(failure(ExitCode.NOT_FOUND, request.name() + " was denied", http, answer,
                    "check the credential's scopes and its access to what was asked for"));
        }
        if (status == 404 || status == 410) {
            return RetryDecision.stop(failure(ExitCode.NOT_FOUND, request.name() + ": not found", http, answer, null));
        }
        if (status >= 500) {
            return afterServerError(request, answer, failure(ExitCode.RETRY_LATER, request.name() + " failed", http, answer, TRY_LATER));
        }
        return RetryDecision.stop(failure(ExitCode.FAILURE, request.name() + " failed", http, answer, null));
    }

    private RetryDecision afterServerError(OutboundRequest request, ProviderAnswer answer, Failure failure) {
        Optional<Duration> asked = ServerWait.of(answer.headers(), clock);
        // a 503 that says when to come back is the server declining the request, not failing half-way through it
        if (request.idempotent() || (answer.status() == 503 && asked.isPresent())) {
            return RetryDecision.retry(failure, asked);
        }
        return RetryDecision.stop(failure.outcomeUnknown());
    }

    RetryDecision afterError(OutboundRequest request, IOException error) {
        String reason = ResponseScrubber.scrub(reason(request, error));
        if (has(error, SSLHandshakeException.class)) {
            // not sent, but no retry will fix a certificate or protocol mismatch
            return RetryDecision.stop(new Failure(ExitCode.FAILURE, "no secure connection to " + request.provider() + " for " + request.operation(),
                    reason, "", null, error));
        }
        if (has(error, BoundedBody.TooLarge.class)) {
            // sent and answered: asking again would only read the same flood again
            Failure tooLarge = new Failure(ExitCode.FAILURE, request.name() + " failed", reason, "", null, error);
            return RetryDecision.stop(request.idempotent() ? tooLarge : tooLarge.outcomeUnknown());
        }
        if (has(error, ConnectException.class) || has(error, HttpConnectTimeoutException.class)) {
            // the connection never opened, so the request never left: safe to send again, whatever the method
            return RetryDecision.retry(new Failure(ExitCode.RETRY_LATER, "could not connect to " + request.provider() + " for " + request.operation(),
                    reason, "", TRY_LATER, error), Optional.empty());
        }
        Failure failure = error instanceof HttpTimeoutException
                ? new Failure(ExitCode.RETRY_LATER, "timed out waiting for " + request.name(), "", "", TRY_LATER, error)
                : new Failure(ExitCode.RETRY_LATER, request.name() + " failed", reason, "", TRY_LATER, error);
        // the request was sent and no answer came back: the provider may have acted on it
        return request.idempotent() ? RetryDecision.retry(failure, Optional.empty()) : RetryDecision.stop(failure.outcomeUnknown());
    }

    /** The JDK often leaves the message empty (a refused connection is a bare ConnectException): say what it means. */
    private static String reason(OutboundRequest request, IOException error) {
        if (has(error, UnresolvedAddressException.class) || has(error, UnknownHostException.class)) {
            return "unknown host " + request.http().uri().getHost();
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return error instanceof ConnectException ? "connection refused" : error.getClass().getSimpleName();
    }

    private static Failure failure(ExitCode code, String what, String http, ProviderAnswer answer, String hint) {
        return new Failure(code, what, http, ResponseScrubber.scrub(answer.body()), hint);
    }

    private static boolean has(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
