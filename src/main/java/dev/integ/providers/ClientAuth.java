package dev.integ.providers;

import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How integ proves its identity to a token endpoint (RFC 6749 §2.3, OIDC Core §9 names). */
public enum ClientAuth {
    /** client id and secret in an HTTP Basic header (RFC 6749's default; Slack asks for it). */
    CLIENT_SECRET_BASIC,
    /** client id and secret as body parameters (Google, Atlassian). */
    CLIENT_SECRET_POST,
    /** a public client: the client id in the body and no secret; PKCE is what protects the code. */
    NONE;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean needsSecret() {
        return this != NONE;
    }

    static ClientAuth parse(String value, String setting) {
        for (ClientAuth auth : values()) {
            if (auth.configName().equals(value)) {
                return auth;
            }
        }
        throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'",
                "expected one of " + Arrays.stream(values()).map(ClientAuth::configName).collect(Collectors.joining(", ")), null);
    }
}
