package dev.integ.api;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One authenticated call to a provider's API.
 *
 * @param provider     the provider's canonical name
 * @param user         whose credential
 * @param action       the event it is recorded as: "api.call", or the operation's own ("slack.post")
 * @param method       GET, POST...
 * @param url          where, already checked to be under the provider's API base
 * @param headers      extra headers (never Authorization: the call path sets it)
 * @param body         the body, or null
 * @param pathTemplate the path as the event log keeps it (no ids, no query)
 * @param idempotent   sending it twice is harmless, so a lost answer may be asked again
 */
public record ApiRequest(String provider, String user, String action, String method, URI url, Map<String, String> headers,
                         byte[] body, String pathTemplate, boolean idempotent) {
    public ApiRequest {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        headers = Map.copyOf(new LinkedHashMap<>(headers));
        pathTemplate = pathTemplate == null ? PathTemplate.of(url.getRawPath()) : pathTemplate;
    }

    /** A GET: safe to ask again. */
    public static ApiRequest get(String provider, String user, String action, URI url, String pathTemplate) {
        return new ApiRequest(provider, user, action, "GET", url, Map.of("Accept", "application/json"), null, pathTemplate, true);
    }

    /** A POST of a JSON document: never sent twice once it may have arrived. */
    public static ApiRequest postJson(String provider, String user, String action, URI url, byte[] json, String pathTemplate) {
        return new ApiRequest(provider, user, action, "POST", url,
                Map.of("Accept", "application/json", "Content-Type", "application/json; charset=utf-8"), json, pathTemplate, false);
    }

    public ApiRequest withUrl(URI other) {
        return new ApiRequest(provider, user, action, method, other, headers, body, pathTemplate, idempotent);
    }

    /** Leaves out headers and body: the user's data. */
    @Override
    public String toString() {
        return "ApiRequest[" + provider + " " + method + " " + pathTemplate + " for " + user + "]";
    }
}
