package dev.integ.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;

/** A provider's answer as the policy reads it: status, headers, and the body as JSON when it is JSON. */
public final class ProviderAnswer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Error bodies are small; a large body is a payload, and not worth parsing just to look for an error. */
    private static final int MAX_JSON_CHARS = 64 * 1024;

    private final int status;
    private final HttpHeaders headers;
    private final String body;
    private JsonNode json;

    public ProviderAnswer(int status, HttpHeaders headers, String body) {
        this.status = status;
        this.headers = headers;
        this.body = body == null ? "" : body;
    }

    static ProviderAnswer of(HttpResponse<String> response) {
        return new ProviderAnswer(response.statusCode(), response.headers(), response.body());
    }

    public int status() {
        return status;
    }

    public HttpHeaders headers() {
        return headers;
    }

    public String body() {
        return body;
    }

    /** The body as a JSON object, or a missing node (every {@code path()} of which is missing too). */
    public JsonNode json() {
        if (json == null) {
            json = parse();
        }
        return json;
    }

    /** The OAuth / Slack top-level {@code "error"} code ("invalid_grant", "ratelimited"), or "". */
    public String errorCode() {
        JsonNode error = json().path("error");
        return error.isTextual() ? error.asText() : "";
    }

    private JsonNode parse() {
        String text = body.strip();
        if (!text.startsWith("{") || text.length() > MAX_JSON_CHARS) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode node = JSON.readTree(text);
            return node == null || !node.isObject() ? MissingNode.getInstance() : node;
        } catch (JsonProcessingException e) {
            return MissingNode.getInstance();
        }
    }
}
