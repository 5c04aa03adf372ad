package dev.integ.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.net.http.HttpHeaders;

/**
 * A provider's answer to an {@link ApiRequest}.
 *
 * @param refreshed the first answer refused the access token, which was refreshed and the call made once more
 * @param warning   something the caller should be told (the event could not be recorded), or null
 */
public record ApiResponse(int status, HttpHeaders headers, String body, boolean refreshed, String warning) {
    static final ObjectMapper JSON = new ObjectMapper();

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    /** The body as JSON (any type), or a missing node when it is not JSON. */
    public JsonNode json() {
        String text = body.strip();
        if (text.isEmpty() || !(text.startsWith("{") || text.startsWith("["))) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode node = JSON.readTree(text);
            return node == null ? MissingNode.getInstance() : node;
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    public boolean isJson() {
        return !json().isMissingNode();
    }

    public String contentType() {
        return headers.firstValue("Content-Type").orElse("");
    }
}
