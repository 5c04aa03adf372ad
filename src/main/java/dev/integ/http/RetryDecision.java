package dev.integ.http;

import java.time.Duration;
import java.util.Optional;

/**
 * What the policy does after one attempt: hand the answer to the caller, try again, or stop.
 *
 * @param failure    what to report if the call ends here; null when it succeeded
 * @param serverWait how long the provider asked us to wait (a minimum), if it said
 */
record RetryDecision(boolean succeeded, boolean retryable, Failure failure, Optional<Duration> serverWait) {

    static final RetryDecision SUCCEEDED = new RetryDecision(true, false, null, Optional.empty());

    static RetryDecision retry(Failure failure, Optional<Duration> serverWait) {
        return new RetryDecision(false, true, failure, serverWait);
    }

    static RetryDecision stop(Failure failure) {
        return new RetryDecision(false, false, failure, Optional.empty());
    }
}
