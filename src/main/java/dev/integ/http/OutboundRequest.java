package dev.integ.http;

import java.net.http.HttpRequest;
import java.util.Objects;
import java.util.Set;

/**
 * One call to a provider, with what the policy needs to know about it.
 *
 * @param provider   the provider's name in integ ("slack", "google", "jira"): picks its rate-limit signals
 * @param user       whose credential the call uses: the rate limiter counts per provider and user
 * @param operation  a short name for messages, such as "token refresh" or "chat.postMessage"
 * @param http       the request itself; its body publisher must be repeatable (e.g. ofString) to be retried
 * @param idempotent sending it twice has the same effect as once, so a failure with an unknown outcome may be retried
 */
public record OutboundRequest(String provider, String user, String operation, HttpRequest http, boolean idempotent) {
    /** RFC 9110's idempotent methods. */
    private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE");

    public OutboundRequest {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(http, "http");
    }

    /** A request whose idempotency follows from its method: GET, PUT, DELETE... are; POST and PATCH are not. */
    public static OutboundRequest of(String provider, String user, String operation, HttpRequest http) {
        return new OutboundRequest(provider, user, operation, http, IDEMPOTENT_METHODS.contains(http.method()));
    }

    /**
     * Overrides the method's default: a POST to a search endpoint may be safe to repeat, while a token
     * refresh is not when refresh tokens rotate (the first, lost, answer already spent the old one).
     */
    public OutboundRequest withIdempotent(boolean idempotent) {
        return new OutboundRequest(provider, user, operation, http, idempotent);
    }

    /** "slack chat.postMessage": how messages name the call. */
    String name() {
        return provider + " " + operation;
    }

    /** Leaves out the request: its URL may carry a token in the query, its headers always do. */
    @Override
    public String toString() {
        return "OutboundRequest[" + name() + " for " + user + (idempotent ? ", idempotent" : "") + "]";
    }
}
