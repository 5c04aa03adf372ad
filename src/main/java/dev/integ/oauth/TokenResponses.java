package dev.integ.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.providers.ProviderSpec;
import dev.integ.vault.Secrets;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads token endpoint responses in each provider's format into {@link IssuedTokens} or a refusal. */
final class TokenResponses {
    private TokenResponses() {
    }

    static TokenOutcome read(ProviderSpec spec, int status, JsonNode body, Instant now) {
        if (spec.responseFormat() == ProviderSpec.ResponseFormat.SLACK) {
            if (!body.path("ok").asBoolean(false)) {
                return new TokenRefusal(text(body, "error", status >= 400 ? "http_" + status : "unknown_error"), "", status);
            }
            return slack(body, now);
        }
        if (status >= 400 || body.has("error") || !body.path("access_token").isTextual()) {
            return new TokenRefusal(text(body, "error", "http_" + status), text(body, "error_description", ""), status);
        }
        return standard(body, now, Map.of());
    }

    /**
     * Slack nests a user token in "authed_user" next to an optional bot token; integ asks for user scopes,
     * so the user token is the credential and a bot token, if any, is kept as a further secret.
     * Refresh responses carry the token at the top level.
     */
    private static IssuedTokens slack(JsonNode body, Instant now) {
        Map<String, String> account = new LinkedHashMap<>();
        put(account, "team_id", body.path("team").path("id"));
        put(account, "team", body.path("team").path("name"));
        put(account, "app_id", body.path("app_id"));
        put(account, "enterprise_id", body.path("enterprise").path("id"));
        JsonNode user = body.path("authed_user");
        if (user.path("access_token").isTextual()) {
            put(account, "slack_user_id", user.path("id"));
            put(account, "token_type", user.path("token_type"));
            IssuedTokens issued = standard(user, now, account);
            if (body.path("access_token").isTextual()) {
                Map<String, String> other = new LinkedHashMap<>(issued.secrets().revealOther());
                other.put("bot_access_token", body.path("access_token").asText());
                return new IssuedTokens(new Secrets(issued.secrets().revealAccessToken(), issued.secrets().revealRefreshToken(), other),
                        issued.grantedScopes(), issued.expiresAt(), issued.refreshExpiresAt(), issued.account());
            }
            return issued;
        }
        put(account, "token_type", body.path("token_type"));
        put(account, "slack_user_id", body.path("authed_user").path("id"));
        put(account, "bot_user_id", body.path("bot_user_id"));
        return standard(body, now, account);
    }

    private static IssuedTokens standard(JsonNode body, Instant now, Map<String, String> account) {
        Map<String, String> other = new LinkedHashMap<>();
        if (body.path("id_token").isTextual()) {
            other.put("id_token", body.path("id_token").asText());
        }
        String refresh = body.path("refresh_token").isTextual() ? body.path("refresh_token").asText() : null;
        Secrets secrets = new Secrets(body.path("access_token").asText(), refresh, other);
        List<String> scopes = body.path("scope").isTextual() ? scopes(body.path("scope").asText()) : null;
        return new IssuedTokens(secrets, scopes, seconds(body.path("expires_in"), now), seconds(body.path("refresh_token_expires_in"), now),
                account);
    }

    /** Scopes as a provider reports them: space-separated (RFC 6749) or comma-separated (Slack); either is read. */
    static List<String> scopes(String text) {
        return Arrays.stream(text.split("[ ,]+")).filter(s -> !s.isBlank()).toList();
    }

    private static Instant seconds(JsonNode value, Instant now) {
        if (value.isNumber() || (value.isTextual() && value.asText().matches("\\d{1,10}"))) {
            long seconds = value.asLong();
            return seconds > 0 ? now.plusSeconds(seconds) : null;
        }
        return null;
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode v = body.path(field);
        return v.isTextual() ? v.asText() : fallback;
    }

    private static void put(Map<String, String> account, String key, JsonNode value) {
        if (value.isTextual() && !value.asText().isEmpty()) {
            account.put(key, value.asText());
        }
    }
}
