package dev.integ.oauth;

import dev.integ.providers.ProviderSpec;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/** The address the browser is sent to: RFC 6749 §4.1.1 plus PKCE and the provider's own parameters. */
final class AuthorizationUrl {
    private AuthorizationUrl() {
    }

    static URI build(ProviderSpec spec, String endpoint, String clientId, URI redirectUri, String state, String nonce, Pkce pkce) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("response_type", "code");
        p.put("client_id", clientId);
        p.put("redirect_uri", redirectUri.toString());
        if (!spec.scopes().isEmpty()) {
            p.put(spec.scopeParameter(), String.join(spec.scopeSeparator(), spec.scopes()));
        }
        p.put("state", state);
        if (nonce != null) {
            p.put("nonce", nonce);
        }
        if (pkce != null) {
            p.put("code_challenge", pkce.challenge());
            p.put("code_challenge_method", "S256");
        }
        p.putAll(spec.authorizeParameters());
        // OIDC Core §11: a request for offline_access is ignored unless the user is asked to consent
        if (spec.scopes().contains("openid") && spec.scopes().contains("offline_access")) {
            p.putIfAbsent("prompt", "consent");
        }
        return URI.create(endpoint + (endpoint.contains("?") ? "&" : "?") + Form.encode(p));
    }
}
