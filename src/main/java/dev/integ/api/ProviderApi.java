package dev.integ.api;

import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.http.OutboundHttp;
import dev.integ.http.OutboundRequest;
import dev.integ.http.ProviderAnswer;
import dev.integ.oauth.AccessTokens;
import dev.integ.providers.ProviderSpec;

import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The one path of every call made with a stored credential: a valid access token (refreshed under
 * the single-flight lock if it expires within a minute), the request through {@link OutboundHttp}
 * (a rate-limit permit per attempt, timeouts, Retry-After, no second send of what may have been
 * applied), one refresh and one retry when the provider says the access token expired or was
 * revoked, and a security event with the method, host, path template, status and duration: never a
 * body, a query value or a token.
 */
public final class ProviderApi {
    /** A token that expires sooner than this is refreshed before the call rather than refused during it. */
    private static final Duration MARGIN = Duration.ofMinutes(1);
    /** Slack's envelope codes that mean "this access token is no good" (HTTP 200, ok:false). */
    private static final Set<String> SLACK_AUTH_ERRORS = Set.of("token_expired", "invalid_auth", "not_authed", "token_revoked",
            "account_inactive");
    /** ...and those of them a refresh may cure: a revoked token's grant is gone. */
    private static final Set<String> SLACK_REFRESHABLE = Set.of("token_expired", "invalid_auth");

    private static final String REDACTED = "[redacted]";

    private final Function<String, ProviderSpec> specs;
    private final AccessTokens tokens;
    private final OutboundHttp http;
    private final EventLog events;
    private final Clock clock;

    public ProviderApi(Function<String, ProviderSpec> specs, AccessTokens tokens, OutboundHttp http, EventLog events, Clock clock) {
        this.specs = specs;
        this.tokens = tokens;
        this.http = http;
        this.events = events;
        this.clock = clock;
    }

    /** The provider's API base, where every relative path resolves. */
    public ApiBase base(String provider) {
        ProviderSpec spec = specs.apply(provider);
        if (spec.apiBaseUrl() == null) {
            throw IntegException.usage("no API base URL for " + spec.name(), "integ sends a token only under a provider's api-base-url",
                    "set providers." + spec.name() + ".api-base-url in the config file");
        }
        return ApiBase.of(spec.apiBaseUrl());
    }

    public ProviderSpec spec(String provider) {
        return specs.apply(provider);
    }

    /**
     * The provider's answer, whatever its status, unless the credential itself was refused.
     *
     * @throws IntegException exit 5 when the provider refused the credential (even after a refresh),
     *         or it needs a new sign-in; 4 when rate limited, on a 5xx or a timeout (a request that may
     *         have been applied says so and is not sent again)
     */
    public ApiResponse call(ApiRequest request) {
        ApiResponse response = send(request);
        if (refusedCredential(specs.apply(request.provider()), response)) {
            throw refused(request, response);
        }
        return response;
    }

    /** Like {@link #call}, but a refused credential comes back as an answer ({@link #refusedCredential}): for verify. */
    public ApiResponse send(ApiRequest request) {
        ProviderSpec spec = specs.apply(request.provider());
        Instant start = clock.instant();
        ProviderAnswer answer;
        boolean refreshed = false;
        String sent;
        try {
            AccessTokens.Fresh fresh = tokens.refreshIfExpiring(request.provider(), request.user(), MARGIN);
            sent = fresh.secrets().revealAccessToken();
            answer = http.call(outbound(request, sent));
            if (tokenExpired(spec, answer) && fresh.secrets().hasRefreshToken()) {
                // the provider refused the request before acting on it: a new token and one more try, even for a POST
                AccessTokens.Fresh again = tokens.refresh(request.provider(), request.user());
                refreshed = true;
                sent = again.secrets().revealAccessToken();
                answer = http.call(outbound(request, sent));
            }
        } catch (IntegException e) {
            record(request, false, "none", start, refreshed, e.exitCode().name().toLowerCase(Locale.ROOT));
            throw e;
        }
        boolean success = answer.status() < 300 && !slackRefusal(spec, answer);
        String warning = record(request, success, Integer.toString(answer.status()), start, refreshed, null);
        // a provider that echoes the bearer token back (a debugging endpoint, a proxy's error page) does not get it printed
        String body = sent.length() < 8 ? answer.body() : answer.body().replace(sent, REDACTED);
        return new ApiResponse(answer.status(), answer.headers(), body, refreshed, warning);
    }

    /** The provider turned the access token away: a 401, or Slack's ok:false with an auth error. */
    public static boolean refusedCredential(ProviderSpec spec, ApiResponse response) {
        if (response.status() == 401) {
            return true;
        }
        return spec.responseFormat() == ProviderSpec.ResponseFormat.SLACK && response.ok()
                && !response.json().path("ok").asBoolean(true) && SLACK_AUTH_ERRORS.contains(response.json().path("error").asText(""));
    }

    public static IntegException refused(ApiRequest request, ApiResponse response) {
        String code = response.json().path("error").isTextual() ? ", " + response.json().path("error").asText() : "";
        return IntegException.humanAction(request.provider() + " refused the credential of " + request.user(),
                "HTTP " + response.status() + code + (response.refreshed() ? ", also after a refresh" : ""),
                "run: integ connect " + request.provider() + " --user " + request.user());
    }

    private static boolean tokenExpired(ProviderSpec spec, ProviderAnswer answer) {
        if (answer.status() == 401) {
            // RFC 6750 §3.1: insufficient_scope is not cured by a new token of the same grant
            return !answer.headers().firstValue("WWW-Authenticate").orElse("").contains("insufficient_scope");
        }
        return spec.responseFormat() == ProviderSpec.ResponseFormat.SLACK && answer.status() < 300
                && answer.json().path("ok").isBoolean() && !answer.json().path("ok").asBoolean()
                && SLACK_REFRESHABLE.contains(answer.errorCode());
    }

    private static boolean slackRefusal(ProviderSpec spec, ProviderAnswer answer) {
        return spec.responseFormat() == ProviderSpec.ResponseFormat.SLACK && answer.json().path("ok").isBoolean()
                && !answer.json().path("ok").asBoolean();
    }

    private static OutboundRequest outbound(ApiRequest request, String accessToken) {
        HttpRequest.Builder http = HttpRequest.newBuilder(request.url());
        request.headers().forEach(http::header);
        http.header("Authorization", "Bearer " + accessToken);
        HttpRequest.BodyPublisher body = request.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        http.method(request.method(), body);
        return new OutboundRequest(request.provider(), request.user(), request.method() + " " + request.pathTemplate(), http.build(),
                request.idempotent());
    }

    /**
     * Records the call. After the fact, so quietly: the call has happened (a message may be posted),
     * and failing the command now would only invite a second one; the caller shows the warning.
     */
    private String record(ApiRequest request, boolean success, String status, Instant start, boolean refreshed, String error) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("method", request.method());
        details.put("host", request.url().getHost() + (request.url().getPort() == -1 ? "" : ":" + request.url().getPort()));
        details.put("path", request.pathTemplate());
        details.put("status", status);
        details.put("duration_ms", Long.toString(Duration.between(start, clock.instant()).toMillis()));
        if (refreshed) {
            details.put("refreshed", "true");
        }
        if (error != null) {
            details.put("error", error);
        }
        SecurityEvent event = success ? SecurityEvent.success(request.action(), request.provider(), request.user(), details)
                : SecurityEvent.failure(request.action(), request.provider(), request.user(), details);
        String[] warning = {null};
        events.recordQuietly(event, e -> warning[0] = "the call was made, but its security event could not be recorded: " + e.getMessage());
        return warning[0];
    }
}
