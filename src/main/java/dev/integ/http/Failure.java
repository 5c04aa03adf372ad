package dev.integ.http;

import dev.integ.core.Durations;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;

import java.time.Duration;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What went wrong with one attempt, kept until the policy knows whether it is the call's last word.
 * The message is built from safe parts only: the provider, the operation, the status, a scrubbed body.
 *
 * @param what   "slack chat.postMessage failed", "rate limited: slack chat.postMessage"
 * @param detail "HTTP 503", "Connection refused", or ""
 * @param body   the scrubbed response body, or ""
 */
record Failure(ExitCode exitCode, String what, String detail, String body, String hint, Throwable cause) {

    static final String NOT_RETRIED = "it may have been applied, not retried";

    Failure(ExitCode exitCode, String what, String detail, String body, String hint) {
        this(exitCode, what, detail, body, hint, null);
    }

    /** The same failure, for a request that must not be sent twice because the provider may have acted on it. */
    Failure outcomeUnknown() {
        return detail.isEmpty()
                ? new Failure(exitCode, what + "; " + NOT_RETRIED, detail, body, hint, cause)
                : new Failure(exitCode, what, detail + "; " + NOT_RETRIED, body, hint, cause);
    }

    /** @param circumstance why the policy stopped here ("after 4 attempts", "retry in 2m"), or "" */
    IntegException exception(String circumstance) {
        String why = Stream.of(detail, circumstance).filter(s -> !s.isEmpty()).collect(Collectors.joining(", "));
        if (!body.isEmpty()) {
            why = why.isEmpty() ? body : why + ": " + body;
        }
        return switch (exitCode) {
            case RETRY_LATER -> IntegException.retryLater(what, why, hint, cause);
            case HUMAN_ACTION -> withCause(IntegException.humanAction(what, why, hint));
            case NOT_FOUND -> withCause(IntegException.notFound(what, why, hint));
            default -> IntegException.failure(what, why, hint, cause);
        };
    }

    private IntegException withCause(IntegException e) {
        return cause == null ? e : e.withCause(cause);
    }

    /** "retry in 1.2s", "retry in 2m": rounded up, so that a caller who waits that long is not early. */
    static String retryIn(Duration wait) {
        if (wait.compareTo(Duration.ofMinutes(1)) >= 0) {
            long seconds = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
            return "retry in " + Durations.format(Duration.ofSeconds(seconds));
        }
        long tenths = (wait.toNanos() + 99_999_999) / 100_000_000;
        String text = tenths % 10 == 0 ? String.valueOf(tenths / 10) : String.format(Locale.ROOT, "%d.%d", tenths / 10, tenths % 10);
        return "retry in " + text + "s";
    }
}
