package dev.integ.oauth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

/** application/x-www-form-urlencoded, with spaces as %20 so that query strings read the same everywhere. */
final class Form {
    private Form() {
    }

    static String encode(Map<String, String> parameters) {
        return parameters.entrySet().stream()
                .map(e -> component(e.getKey()) + "=" + component(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    static String component(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
