package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain java.net.http against the fakes, the way a client would talk to the real providers. */
final class TestHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private TestHttp() {
    }

    static Map<String, String> map(String... keysAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    static String form(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> FakeProvider.formEncode(e.getKey()) + "=" + FakeProvider.formEncode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    static URI withQuery(URI endpoint, Map<String, String> params) {
        return URI.create(endpoint + "?" + form(params));
    }

    static HttpResponse<String> send(HttpRequest.Builder builder, String... headers) {
        if (headers.length > 0) {
            builder.headers(headers);
        }
        try {
            return CLIENT.send(builder.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(URI uri, String... headers) {
        return send(HttpRequest.newBuilder(uri).GET(), headers);
    }

    static HttpResponse<String> postForm(URI uri, Map<String, String> params, String... headers) {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(params))), headers);
    }

    static HttpResponse<String> postJson(URI uri, Object body, String... headers) {
        try {
            return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))), headers);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    static String bearer(String token) {
        return "Bearer " + token;
    }

    static Map<String, String> queryOf(String uri) {
        return FakeProvider.parseForm(URI.create(uri).getRawQuery());
    }

    /** GETs the authorize URL, expects a 302 and returns the redirect's Location. */
    static String authorizeRedirect(FakeProvider provider, Map<String, String> params) {
        HttpResponse<String> r = get(withQuery(provider.authorizationEndpoint(), params));
        assertThat(r.statusCode()).as("authorize answer %s", r.body()).isEqualTo(302);
        return r.headers().firstValue("Location").orElseThrow();
    }

    /** As {@link #authorizeRedirect}, returning the code (asserting there is one). */
    static String authorizeCode(FakeProvider provider, Map<String, String> params) {
        Map<String, String> q = queryOf(authorizeRedirect(provider, params));
        assertThat(q).containsKey("code");
        return q.get("code");
    }
}
