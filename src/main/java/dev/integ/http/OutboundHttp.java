package dev.integ.http;

import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import dev.integ.ratelimit.Decision;
import dev.integ.ratelimit.PermitSource;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * Sends requests to providers under one policy: a permit from integ's rate limiter before every
 * attempt, timeouts on every attempt, and retries only where they are safe (see {@link RetryRules}).
 * Safe to share between threads.
 */
public final class OutboundHttp {
    /** A limiter that denies with "retry in 0s" would otherwise be asked again in a tight loop. */
    private static final Duration MIN_PERMIT_WAIT = Duration.ofMillis(50);
    /** Part of the message of a failure after which the request may have been applied (and was not sent again). */
    public static final String MAY_HAVE_BEEN_APPLIED = Failure.NOT_RETRIED;
    /** The largest answer read: OAuth answers are a few KB, a page of Drive files some hundreds. */
    public static final long MAX_ANSWER_BYTES = 8L * 1024 * 1024;

    /** Built only for a method HttpURLConnection cannot send (PATCH): it costs ~1 s of start-up. */
    private HttpClient client;
    private final PermitSource permits;
    private final OutboundPolicy policy;
    private final RetryRules rules;
    private final Backoff backoff;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Denials denials;

    /** Told when a call is turned away by integ's own rate limit (after any bounded wait): for the event log. */
    @FunctionalInterface
    public interface Denials {
        Denials NONE = (provider, user, level, retryAfter) -> { };

        /** @param level "user" or "provider": which budget was used up */
        void denied(String provider, String user, String level, Duration retryAfter);
    }

    public OutboundHttp(PermitSource permits, OutboundPolicy policy) {
        this(permits, policy, ProviderSignals.standard(), Clock.systemUTC(), Sleeper.REAL, new Random());
    }

    public OutboundHttp(PermitSource permits, OutboundPolicy policy, Denials denials) {
        this(permits, policy, ProviderSignals.standard(), Clock.systemUTC(), Sleeper.REAL, new Random(), denials);
    }

    /** @param random the jitter's source (java.util.Random is safe to share between threads) */
    public OutboundHttp(PermitSource permits, OutboundPolicy policy, ProviderSignals signals,
                        Clock clock, Sleeper sleeper, RandomGenerator random) {
        this(permits, policy, signals, clock, sleeper, random, Denials.NONE);
    }

    public OutboundHttp(PermitSource permits, OutboundPolicy policy, ProviderSignals signals,
                        Clock clock, Sleeper sleeper, RandomGenerator random, Denials denials) {
        this.permits = permits;
        this.policy = policy;
        this.rules = new RetryRules(signals, clock);
        this.backoff = new Backoff(policy.backoffBase(), policy.backoffCap(), random);
        this.clock = clock;
        this.sleeper = sleeper;
        this.denials = denials;
    }

    /** The longest {@link #send} or {@link #call} can take, retries and waits included. */
    public Duration longestCall() {
        return policy.longestCall();
    }

    /**
     * The provider's answer when it is a success (below 400) and not a rate limit in disguise, such as
     * Slack's {"ok":false,"error":"ratelimited"}. Other application errors inside a 2xx (Slack's
     * ok:false) are the caller's to read.
     *
     * @throws IntegException exit code 4 when rate limited, on a provider 5xx or a timeout; 5 on a
     *         401 or invalid_grant; 3 on 403 or 404; 1 on any other 4xx
     */
    public HttpResponse<String> send(OutboundRequest request) {
        return attempt(request, false);
    }

    /**
     * Like {@link #send}, except that a provider's definite refusal (a 4xx that is not a rate limit)
     * comes back as an answer instead of an exception: an OAuth endpoint's error code
     * ("invalid_grant", "invalid_refresh_token") decides what the caller does next. Rate limits,
     * 5xx, timeouts and connection failures are handled (and reported) as by {@link #send}.
     */
    public ProviderAnswer call(OutboundRequest request) {
        return ProviderAnswer.of(attempt(request, true));
    }

    private HttpResponse<String> attempt(OutboundRequest request, boolean answerRefusals) {
        Deadline deadline = new Deadline(clock, policy.totalBudget());
        for (int attempt = 1; ; attempt++) {
            awaitPermit(request, deadline);
            RetryDecision decision;
            try {
                HttpResponse<String> response = exchange(request, deadline);
                decision = rules.afterAnswer(request, response);
                if (decision.succeeded() || (answerRefusals && !decision.retryable() && isRefusal(response.statusCode()))) {
                    return response;
                }
            } catch (IOException e) {
                decision = rules.afterError(request, e);
            }
            pause(waitBeforeRetry(decision, attempt, deadline), request);
        }
    }

    private static boolean isRefusal(int status) {
        return status >= 400 && status < 500;
    }

    /** How long to wait before the next attempt, or the call's error if there is to be none. */
    private Duration waitBeforeRetry(RetryDecision decision, int attempt, Deadline deadline) {
        Failure failure = decision.failure();
        if (!decision.retryable()) {
            throw failure.exception("");
        }
        Optional<Duration> asked = decision.serverWait();
        String retryIn = asked.map(Failure::retryIn).orElse("");
        if (attempt >= policy.maxAttempts()) {
            throw failure.exception(join("after " + attempt + " attempts", retryIn));
        }
        if (asked.isPresent() && !deadline.leavesTimeAfter(asked.get())) {
            // the provider wants longer than we have left: say when to come back instead of sleeping in vain
            throw failure.exception(retryIn);
        }
        Duration jittered = backoff.delay(attempt - 1);
        Duration wait = asked.filter(a -> a.compareTo(jittered) > 0).orElse(jittered);
        if (deadline.leavesTimeAfter(wait)) {
            return wait;
        }
        if (asked.isPresent()) {
            return asked.get();
        }
        throw failure.exception("after " + attempt + " attempts, the " + Durations.format(policy.totalBudget()) + " time budget is used up");
    }

    /** Takes a permit for this attempt, waiting out short denials. */
    private void awaitPermit(OutboundRequest request, Deadline deadline) {
        Duration waited = Duration.ZERO;
        while (true) {
            Decision decision = permits.tryAcquire(request.provider(), request.user());
            if (decision.allowed()) {
                return;
            }
            Duration retryAfter = decision.retryAfter() == null ? Duration.ZERO : decision.retryAfter();
            Duration wait = retryAfter.compareTo(MIN_PERMIT_WAIT) < 0 ? MIN_PERMIT_WAIT : retryAfter;
            if (waited.plus(wait).compareTo(policy.permitWait()) > 0 || !deadline.leavesTimeAfter(wait)) {
                denials.denied(request.provider(), request.user(), "user".equals(decision.deniedBy()) ? "user" : "provider", wait);
                throw IntegException.retryLater("rate limited: " + request.name(), Failure.retryIn(wait),
                        "integ's own " + ("user".equals(decision.deniedBy()) ? "per-user " : "") + request.provider()
                                + " rate limit is used up; try again then", null);
            }
            pause(wait, request);
            waited = waited.plus(wait);
        }
    }

    private HttpResponse<String> exchange(OutboundRequest request, Deadline deadline) throws IOException {
        Duration timeout = Stream.of(Optional.of(policy.requestTimeout()), request.http().timeout(), Optional.of(deadline.remaining()))
                .flatMap(Optional::stream)
                .min(Duration::compareTo)
                .filter(d -> d.toMillis() > 0)
                .orElse(Duration.ofMillis(1));
        if (UrlConnectionExchange.METHODS.contains(request.http().method())) {
            return UrlConnectionExchange.send(request.http(), policy.connectTimeout(), timeout, MAX_ANSWER_BYTES);
        }
        HttpRequest http = HttpRequest.newBuilder(request.http(), (name, value) -> true).timeout(timeout).build();
        CompletableFuture<HttpResponse<String>> pending = client().sendAsync(http, BoundedBody.handler(MAX_ANSWER_BYTES));
        try {
            // HttpRequest.timeout only covers the wait for the response headers: this bound also covers
            // connecting and a body that stalls half-way, so no attempt outlasts connect + request timeout
            return pending.get(policy.connectTimeout().plus(timeout).toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no complete answer within " + Durations.format(policy.connectTimeout().plus(timeout)));
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", "while waiting for " + request.name(), null, e);
        }
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .connectTimeout(policy.connectTimeout())
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        return client;
    }

    private static IOException unwrap(Throwable cause) {
        Throwable t = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (t instanceof Error error) {
            throw error;
        }
        return new IOException(t);
    }

    private void pause(Duration wait, OutboundRequest request) {
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", "while waiting to call " + request.name(), null, e);
        }
    }

    private static String join(String first, String second) {
        return second.isEmpty() ? first : first + ", " + second;
    }
}
