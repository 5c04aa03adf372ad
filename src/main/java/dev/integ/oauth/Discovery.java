package dev.integ.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.core.IntegException;
import dev.integ.http.OutboundHttp;
import dev.integ.http.OutboundRequest;
import dev.integ.http.ProviderAnswer;
import dev.integ.providers.ProviderCatalog;
import dev.integ.providers.ProviderSpec;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;

/**
 * Fills a provider's missing endpoints from its issuer's metadata: OpenID Connect discovery first,
 * then RFC 8414. The document must name the very issuer it was fetched for (RFC 8414 §3.3), or an
 * attacker who controls one document could point integ at another server's endpoints.
 */
public final class Discovery {

    /**
     * @param spec                 the provider with every endpoint it will use
     * @param issuerInCallback     the server promised RFC 9207's {@code iss} in callbacks, so its absence is an attack
     */
    public record Discovered(ProviderSpec spec, boolean issuerInCallback) {
    }

    private final OutboundHttp http;

    public Discovery(OutboundHttp http) {
        this.http = http;
    }

    /** {@code spec} as it is when it needs no discovery; otherwise completed from its issuer's metadata. */
    public Discovered complete(ProviderSpec spec, String user) {
        if (spec.issuer() == null || spec.endpoints().complete()) {
            return new Discovered(spec, false);
        }
        JsonNode metadata = fetch(spec, user);
        String advertised = metadata.path("issuer").asText("");
        if (!advertised.equals(spec.issuer())) {
            throw IntegException.failure("the discovery document of " + spec.name() + " names another issuer",
                    "expected " + spec.issuer() + ", it says " + (advertised.isEmpty() ? "nothing" : advertised),
                    "check providers." + spec.name() + ".issuer: it must be exactly the issuer the server announces", null);
        }
        ProviderSpec.Endpoints found = ProviderSpec.Endpoints.builder()
                .authorization(text(metadata, "authorization_endpoint"))
                .token(text(metadata, "token_endpoint"))
                .revocation(text(metadata, "revocation_endpoint"))
                .userinfo(text(metadata, "userinfo_endpoint"))
                .deviceAuthorization(text(metadata, "device_authorization_endpoint"))
                .build();
        ProviderSpec.Endpoints endpoints = spec.endpoints().or(found);
        if (!endpoints.complete()) {
            throw IntegException.failure("the discovery document of " + spec.name() + " lacks an authorization or token endpoint",
                    null, "configure providers." + spec.name() + ".authorization-endpoint and token-endpoint", null);
        }
        ProviderSpec completed = spec.withEndpoints(endpoints);
        return new Discovered(completed, metadata.path("authorization_response_iss_parameter_supported").asBoolean(false));
    }

    private JsonNode fetch(ProviderSpec spec, String user) {
        URI issuer = URI.create(spec.issuer());
        String path = issuer.getRawPath() == null || issuer.getRawPath().equals("/") ? "" : stripSlash(issuer.getRawPath());
        String origin = issuer.getScheme() + "://" + issuer.getRawAuthority();
        ProviderAnswer oidc = get(spec, user, URI.create(origin + path + "/.well-known/openid-configuration"));
        if (oidc.status() == 200) {
            return parse(spec, oidc);
        }
        // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path
        ProviderAnswer oauth = get(spec, user, URI.create(origin + "/.well-known/oauth-authorization-server" + path));
        if (oauth.status() == 200) {
            return parse(spec, oauth);
        }
        throw IntegException.failure("no discovery document for " + spec.name() + " at " + spec.issuer(),
                "HTTP " + oidc.status() + " for OpenID Connect discovery, HTTP " + oauth.status() + " for RFC 8414",
                "check providers." + spec.name() + ".issuer, or configure its endpoints instead", null);
    }

    private ProviderAnswer get(ProviderSpec spec, String user, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).header("Accept", "application/json").GET().build();
        return http.call(OutboundRequest.of(spec.name(), user, "discovery", request));
    }

    private static JsonNode parse(ProviderSpec spec, ProviderAnswer answer) {
        try {
            JsonNode node = ProviderClient.JSON.readTree(answer.body());
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // reported below
        }
        throw IntegException.failure("the discovery document of " + spec.name() + " is not a JSON object", null, null, null);
    }

    private static String stripSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            return null;
        }
        return ProviderCatalog.checkedEndpoint(v.asText(), field + " in the discovery document");
    }
}
