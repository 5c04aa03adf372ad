package dev.integ.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The next page of a list, read from whichever of the three documented cursor shapes an answer
 * carries: Slack's {@code response_metadata.next_cursor} (sent back as {@code cursor}), Google's
 * {@code nextPageToken} ({@code pageToken}), Atlassian's {@code startAt}/{@code maxResults}/{@code isLast}
 * ({@code startAt}). Read from the answer rather than the provider's name, so a custom provider that
 * pages one of these ways is followed too.
 */
public final class Pages {
    private Pages() {
    }

    /** The URL of the page after {@code page}, fetched from {@code current}; empty on the last page. */
    public static Optional<URI> next(URI current, JsonNode page) {
        JsonNode slack = page.path("response_metadata").path("next_cursor");
        if (slack.isTextual()) {
            return slack.asText().isEmpty() ? Optional.empty() : Optional.of(withParameter(current, "cursor", slack.asText()));
        }
        JsonNode google = page.path("nextPageToken");
        if (google.isTextual()) {
            return google.asText().isEmpty() ? Optional.empty() : Optional.of(withParameter(current, "pageToken", google.asText()));
        }
        if (page.path("startAt").canConvertToLong() && page.path("maxResults").canConvertToLong()) {
            return atlassian(current, page);
        }
        return Optional.empty();
    }

    private static Optional<URI> atlassian(URI current, JsonNode page) {
        long startAt = page.path("startAt").asLong();
        long maxResults = page.path("maxResults").asLong();
        if (page.path("isLast").asBoolean(false) || maxResults <= 0) {
            return Optional.empty();
        }
        if (!page.has("isLast")) {
            // the older shape: no isLast, but a total to count against
            if (!page.path("total").canConvertToLong() || startAt + maxResults >= page.path("total").asLong()) {
                return Optional.empty();
            }
        }
        return Optional.of(withParameter(current, "startAt", Long.toString(startAt + maxResults)));
    }

    /** {@code uri} with the query parameter {@code name} set to {@code value} (replacing an earlier one). */
    public static URI withParameter(URI uri, String name, String value) {
        StringJoiner query = new StringJoiner("&");
        String raw = uri.getRawQuery();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                String key = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
                if (!key.equals(name) && !pair.isEmpty()) {
                    query.add(pair);
                }
            }
        }
        query.add(encode(name) + "=" + encode(value));
        String s = uri.toString();
        int cut = s.indexOf('?');
        return URI.create((cut < 0 ? s : s.substring(0, cut)) + "?" + query);
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
