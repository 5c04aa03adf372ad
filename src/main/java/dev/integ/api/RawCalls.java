package dev.integ.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.integ.core.IntegException;
import dev.integ.http.ResponseScrubber;

import dev.integ.providers.ProviderSpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * `integ api`: any request to a provider's API with a stored credential, the way `gh api` does it
 * for GitHub. Fields go into the query of a GET and into a JSON object otherwise; headers are the
 * caller's except the ones the call path owns; pages are followed by {@link Pages}, within a bound.
 */
public final class RawCalls {
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    /** Set by the call path or the HTTP client: a caller's value would be ignored, or worse. */
    private static final Set<String> RESERVED_HEADERS = Set.of("authorization", "host", "content-length", "connection",
            "expect", "upgrade", "transfer-encoding", "cookie", "proxy-authorization");
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");

    private final ProviderApi api;

    public RawCalls(ProviderApi api) {
        this.api = api;
    }

    /**
     * What to send.
     *
     * @param method  null: GET, or POST with a body (never POST just because of fields: a GET stays a GET)
     * @param fields  key=value pairs
     * @param headers "Name: value" lines
     * @param body    the --input bytes, or null
     */
    public record Call(String provider, String user, String method, String pathOrUrl, List<String> fields, List<String> headers,
                       byte[] body, boolean paginate, int maxPages) {
    }

    /**
     * Sends the call, and with paginate every following page, handing each answer to {@code pages}
     * as it comes (nothing is held: memory stays flat over any number of pages).
     *
     * @return the number of pages
     * @throws IntegException exit 1 with the provider's error on a non-2xx (or Slack ok:false) answer, after
     *         handing that answer to {@code pages} too
     */
    public int run(Call call, Consumer<ApiResponse> pages) {
        String method = method(call);
        if (call.paginate() && !method.equals("GET")) {
            throw IntegException.usage("--paginate follows pages of a GET", "this call is a " + method, null);
        }
        if (call.maxPages() < 1) {
            throw IntegException.usage("invalid --max-pages " + call.maxPages(), "give 1 or more", null);
        }
        Map<String, String> fields = fields(call.fields());
        Map<String, String> headers = headers(call.headers());
        URI url = api.base(call.provider()).resolve(call.provider(), call.pathOrUrl());
        byte[] body = call.body();
        if (method.equals("GET") || method.equals("HEAD") || body != null) {
            for (Map.Entry<String, String> f : fields.entrySet()) {
                url = Pages.withParameter(url, f.getKey(), f.getValue());
            }
        } else if (!fields.isEmpty()) {
            ObjectNode json = ApiResponse.JSON.createObjectNode();
            fields.forEach(json::put);
            body = json.toString().getBytes(StandardCharsets.UTF_8);
        }
        if (body != null) {
            headers.putIfAbsent("Content-Type", "application/json; charset=utf-8");
        }
        headers.putIfAbsent("Accept", "application/json");
        ApiRequest request = new ApiRequest(call.provider(), call.user(), "api.call", method, url, headers, body, null,
                IDEMPOTENT.contains(method));
        Set<String> seen = new HashSet<>();
        for (int page = 1; ; page++) {
            ApiResponse response = api.call(request);
            pages.accept(response);
            failIfRefused(request, response);
            if (!call.paginate()) {
                return page;
            }
            Optional<URI> next = response.isJson() ? Pages.next(request.url(), response.json()) : Optional.empty();
            if (next.isEmpty()) {
                return page;
            }
            if (!seen.add(next.get().getRawQuery())) {
                throw IntegException.failure(call.provider() + " sent the same page cursor twice",
                        "stopped after " + page + " pages instead of looping", null, null);
            }
            if (page >= call.maxPages()) {
                throw IntegException.failure("stopped after " + page + " pages of " + call.provider(), "there were more",
                        "raise --max-pages, or narrow the request", null);
            }
            request = request.withUrl(next.get());
        }
    }

    private void failIfRefused(ApiRequest request, ApiResponse response) {
        boolean slackError = api.spec(request.provider()).responseFormat() == ProviderSpec.ResponseFormat.SLACK
                && response.json().path("ok").isBoolean() && !response.json().path("ok").asBoolean();
        if (response.ok() && !slackError) {
            return;
        }
        throw IntegException.failure(request.provider() + " " + request.method() + " " + request.url().getRawPath() + " failed",
                "HTTP " + response.status() + errorOf(response), null, null);
    }

    /** The provider's own error, in its words: Slack's error code, Google's message, Jira's errorMessages, or the body. */
    static String errorOf(ApiResponse response) {
        var json = response.json();
        String text;
        if (json.path("error").isTextual()) {
            text = json.path("error").asText();
        } else if (json.path("error").path("message").isTextual()) {
            text = json.path("error").path("message").asText();
        } else if (json.path("errorMessages").isArray() && !json.path("errorMessages").isEmpty() || json.path("errors").isObject()) {
            StringBuilder b = new StringBuilder();
            json.path("errorMessages").forEach(m -> b.append(b.length() == 0 ? "" : "; ").append(m.asText()));
            json.path("errors").fields().forEachRemaining(e -> b.append(b.length() == 0 ? "" : "; ").append(e.getKey()).append(": ")
                    .append(e.getValue().asText()));
            text = b.toString();
        } else if (json.path("message").isTextual()) {
            text = json.path("message").asText();
        } else {
            text = response.body();
        }
        String scrubbed = ResponseScrubber.scrub(text);
        return scrubbed.isEmpty() ? "" : ": " + scrubbed;
    }

    private static String method(Call call) {
        if (call.method() == null) {
            return call.body() == null ? "GET" : "POST";
        }
        String m = call.method().toUpperCase(Locale.ROOT);
        if (!m.matches("[A-Z]{1,16}")) {
            throw IntegException.usage("invalid method '" + call.method() + "'", "give GET, POST, PUT, PATCH, DELETE...", null);
        }
        return m;
    }

    private static Map<String, String> fields(List<String> raw) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String f : raw) {
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw IntegException.usage("invalid field '" + f + "'", "give -f key=value", null);
            }
            fields.put(f.substring(0, eq), f.substring(eq + 1));
        }
        return fields;
    }

    private static Map<String, String> headers(List<String> raw) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h : raw) {
            int colon = h.indexOf(':');
            String name = colon < 0 ? h : h.substring(0, colon).strip();
            String value = colon < 0 ? "" : h.substring(colon + 1).strip();
            if (colon <= 0 || !HEADER_NAME.matcher(name).matches()) {
                throw IntegException.usage("invalid header '" + name + "'", "give -H 'Name: value'", null);
            }
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                // not echoed: an Authorization value here is a token typed into argv
                throw IntegException.usage("refusing to set the " + name + " header", "integ sets it itself from the stored credential", null);
            }
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                throw IntegException.usage("invalid value of header " + name, "it contains control characters", null);
            }
            headers.put(name, value);
        }
        return headers;
    }
}
