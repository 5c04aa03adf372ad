package dev.integ.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.integ.core.IntegException;
import dev.integ.http.OutboundHttp;
import dev.integ.http.OutboundRequest;
import dev.integ.http.ProviderAnswer;
import dev.integ.providers.ClientAuth;
import dev.integ.providers.ClientCredentials;
import dev.integ.providers.ProviderCatalog;
import dev.integ.providers.ProviderSpec;
import dev.integ.vault.Secrets;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Talks to one provider's OAuth endpoints in its own dialect (form or JSON bodies, Basic or body
 * client authentication, Slack's envelope), through {@link OutboundHttp} so every call takes a
 * rate-limit permit and follows the retry rules. Token requests are never retried once sent: a code
 * and a rotating refresh token are single-use, and a lost answer has already spent them.
 */
public final class ProviderClient {
    /** The oauth package's one mapper (thread-safe; each new one costs start-up time): also for discovery and id_tokens. */
    static final ObjectMapper JSON = new ObjectMapper();

    private final ProviderSpec spec;
    private final ClientCredentials client;
    private final OutboundHttp http;
    private final Clock clock;

    /** @param spec a provider whose endpoints are known (discovery already done) */
    public ProviderClient(ProviderSpec spec, ClientCredentials client, OutboundHttp http, Clock clock) {
        this.spec = spec;
        this.client = client;
        this.http = http;
        this.clock = clock;
    }

    public ProviderSpec spec() {
        return spec;
    }

    public ClientCredentials client() {
        return client;
    }

    /** The longest one request to the provider can take (the outbound policy's bound, retries included). */
    public Duration longestCall() {
        return http.longestCall();
    }

    /** RFC 6749 §4.1.3: the code, with the same redirect_uri as the authorize request and the PKCE verifier. */
    public TokenOutcome exchangeCode(String user, String code, URI redirectUri, Pkce pkce) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "authorization_code");
        p.put("code", code);
        p.put("redirect_uri", redirectUri.toString());
        if (pkce != null) {
            p.put("code_verifier", pkce.verifier());
        }
        return token(user, "token exchange", p);
    }

    /**
     * RFC 8628 §3.1: asks for a device code and a user code for the provider's scopes, with the client
     * authentication the token endpoint uses (Google wants the client id only here, but accepts both).
     */
    public DeviceAuthorization requestDeviceCode(String user) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("scope", String.join(" ", spec.scopes()));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(spec.endpoints().deviceAuthorization()))
                .header("Accept", "application/json");
        authenticate(request, body, client.clientId());
        request.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(Form.encode(body)));
        ProviderAnswer answer = http.call(OutboundRequest.of(spec.name(), user, "device authorization", request.build()));
        JsonNode json = answer.json();
        String deviceCode = json.path("device_code").asText("");
        String userCode = json.path("user_code").asText("");
        // Google names it verification_url
        String verification = json.path("verification_uri").asText(json.path("verification_url").asText(""));
        if (answer.status() >= 400 || deviceCode.isEmpty() || userCode.isEmpty() || verification.isEmpty()) {
            TokenRefusal refusal = new TokenRefusal(answer.errorCode().isEmpty() ? "http_" + answer.status() : answer.errorCode(),
                    json.path("error_description").asText(""), answer.status());
            throw IntegException.failure(spec.name() + " refused to start a device sign-in", refusal.explain(),
                    "check the client id (Google: a client of type \"TVs and Limited Input devices\") and the scopes;"
                            + " or use --manual", null);
        }
        String complete = json.path("verification_uri_complete").asText("");
        long interval = json.path("interval").asLong(0);
        return new DeviceAuthorization(deviceCode, userCode, checkedUri(verification), complete.isEmpty() ? null : checkedUri(complete),
                Duration.ofSeconds(Math.max(1, json.path("expires_in").asLong(600))),
                interval > 0 ? Duration.ofSeconds(interval) : DeviceAuthorization.DEFAULT_INTERVAL);
    }

    /** RFC 8628 §3.4: one poll of the token endpoint; a refusal such as authorization_pending is the caller's to read. */
    public TokenOutcome pollDeviceToken(String user, String deviceCode) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "urn:ietf:params:oauth:grant-type:device_code");
        p.put("device_code", deviceCode);
        return token(user, "device token poll", p);
    }

    private URI checkedUri(String text) {
        // shown to the admin to open: an https page of the provider (plain http only on this machine, for tests)
        return URI.create(ProviderCatalog.checkedEndpoint(text, "the verification URI from " + spec.name()));
    }

    /** RFC 6749 §6. */
    public TokenOutcome refresh(String user, String refreshToken) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "refresh_token");
        p.put("refresh_token", refreshToken);
        return token(user, "token refresh", p);
    }

    private TokenOutcome token(String user, String operation, Map<String, String> parameters) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(spec.endpoints().token()))
                .header("Accept", "application/json");
        Map<String, String> body = new LinkedHashMap<>(parameters);
        authenticate(request, body, client.clientId());
        if (spec.tokenEncoding() == ProviderSpec.TokenEncoding.JSON) {
            ObjectNode json = JSON.createObjectNode();
            body.forEach(json::put);
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json.toString()));
        } else {
            request.header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(Form.encode(body)));
        }
        ProviderAnswer answer = http.call(OutboundRequest.of(spec.name(), user, operation, request.build()));
        return TokenResponses.read(spec, answer.status(), answer.json(), clock.instant());
    }

    private void authenticate(HttpRequest.Builder request, Map<String, String> body, String clientId) {
        ClientAuth auth = client.secret() == null ? ClientAuth.NONE : spec.client().auth();
        if (auth == ClientAuth.CLIENT_SECRET_BASIC) {
            // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined
            String pair = Form.component(clientId) + ":" + Form.component(client.secret().reveal());
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        } else {
            body.put("client_id", clientId);
            if (auth == ClientAuth.CLIENT_SECRET_POST) {
                body.put("client_secret", client.secret().reveal());
            }
        }
    }

    /** What {@link #revoke} found. */
    public enum Revoked {
        /** the provider confirmed the revocation */
        REVOKED,
        /** the provider said the token was already invalid: nothing left to revoke */
        ALREADY_INVALID,
        /** the provider has no revocation endpoint */
        NOT_SUPPORTED
    }

    /**
     * Revokes at the provider: RFC 7009 with client authentication, the token alone (Google), or the
     * token as its own bearer (Slack's auth.revoke). Uses the stored tokens as they are: a token is never
     * refreshed just to be revoked.
     *
     * @throws IntegException when the provider refused or could not be reached; nothing was revoked
     */
    public Revoked revoke(String user, Secrets secrets) {
        if (!spec.hasRevocationEndpoint()) {
            return Revoked.NOT_SUPPORTED;
        }
        boolean useRefresh = "refresh".equals(spec.revocation().token()) && secrets.hasRefreshToken();
        String token = useRefresh ? secrets.revealRefreshToken() : secrets.revealAccessToken();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(spec.endpoints().revocation())).header("Accept", "application/json");
        Map<String, String> body = new LinkedHashMap<>();
        switch (spec.revocation().auth()) {
            case "bearer" -> request.header("Authorization", "Bearer " + token);
            case "none" -> body.put("token", token);
            default -> {
                body.put("token", token);
                body.put("token_type_hint", useRefresh ? "refresh_token" : "access_token");
                authenticate(request, body, client.clientId());
            }
        }
        request.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(Form.encode(body)));
        // revoking twice is harmless (RFC 7009 §2.2: unknown tokens are not an error), so a lost answer may be retried
        ProviderAnswer answer = http.call(OutboundRequest.of(spec.name(), user, "token revocation", request.build()).withIdempotent(true));
        return revocationResult(answer);
    }

    private Revoked revocationResult(ProviderAnswer answer) {
        String error = answer.errorCode();
        if (spec.responseFormat() == ProviderSpec.ResponseFormat.SLACK) {
            if (answer.status() < 400 && answer.json().path("ok").asBoolean(false)) {
                return Revoked.REVOKED;
            }
        } else if (answer.status() < 400) {
            return Revoked.REVOKED;
        }
        if (error.equals("invalid_token") || error.equals("invalid_auth") || error.equals("token_revoked") || error.equals("account_inactive")) {
            return Revoked.ALREADY_INVALID;
        }
        throw IntegException.failure(spec.name() + " refused to revoke the token",
                "HTTP " + answer.status() + (error.isEmpty() ? "" : ", " + new TokenRefusal(error, "", answer.status()).explain()),
                null, null); // Revocation adds the hint: it knows the user
    }

    /**
     * Account facts worth keeping with the credential: the OIDC userinfo subject and e-mail, or the
     * Atlassian sites (cloud ids) the token reaches. Empty when the provider has neither endpoint.
     */
    public Map<String, String> account(String user, String accessToken) {
        Map<String, String> account = new LinkedHashMap<>();
        if (spec.endpoints().userinfo() != null) {
            JsonNode info = get(user, "userinfo", spec.endpoints().userinfo(), accessToken);
            putText(account, "subject", info.path("sub"));
            putText(account, "email", info.path("email"));
            putText(account, "username", info.path("preferred_username"));
        }
        if (spec.endpoints().resources() != null) {
            JsonNode sites = get(user, "accessible-resources", spec.endpoints().resources(), accessToken);
            if (sites.isArray() && !sites.isEmpty()) {
                // one grant covers every site the user chose; the first is the default, all are listed
                putText(account, "cloud_id", sites.get(0).path("id"));
                putText(account, "site", sites.get(0).path("url"));
                if (sites.size() > 1) {
                    StringBuilder all = new StringBuilder();
                    sites.forEach(s -> all.append(all.length() == 0 ? "" : ",").append(s.path("id").asText()));
                    account.put("cloud_ids", all.toString());
                }
            }
        }
        return account;
    }

    private JsonNode get(String user, String operation, String url, String accessToken) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json")
                .header("Authorization", "Bearer " + accessToken).GET().build();
        String body = http.send(OutboundRequest.of(spec.name(), user, operation, request)).body();
        try {
            JsonNode node = JSON.readTree(body);
            return node == null ? MissingNode.getInstance() : node;
        } catch (java.io.IOException e) {
            return MissingNode.getInstance();
        }
    }

    private static void putText(Map<String, String> account, String key, JsonNode value) {
        if (value.isTextual() && !value.asText().isBlank()) {
            account.put(key, value.asText());
        }
    }
}
