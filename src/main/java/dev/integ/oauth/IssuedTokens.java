package dev.integ.oauth;

import dev.integ.providers.ProviderSpec;
import dev.integ.vault.Secrets;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a token endpoint issued, read from its provider's response format.
 *
 * @param secrets          the access token, the refresh token if one came, and other secret fields (id_token, a Slack bot token)
 * @param grantedScopes    the scopes the provider says it granted; null when the response did not say
 * @param expiresAt        when the access token expires (from expires_in); null when it does not
 * @param refreshExpiresAt when the refresh token expires, where the provider says (Google's refresh_token_expires_in)
 * @param account          account facts in the response (Slack's team and user ids)
 */
public record IssuedTokens(Secrets secrets, List<String> grantedScopes, Instant expiresAt, Instant refreshExpiresAt,
                           Map<String, String> account) implements TokenOutcome {
    /**
     * When the refresh token of a sign-in stops working: as the response said, else after the provider's
     * known lifetime, whichever of its limits comes first; null when there is none or nobody knows.
     */
    public Instant refreshExpiry(ProviderSpec spec, Instant now) {
        if (!secrets.hasRefreshToken()) {
            return refreshExpiresAt;
        }
        return spec.refreshTokens().atSignIn(refreshExpiresAt, now);
    }

    public IssuedTokens {
        grantedScopes = grantedScopes == null ? null : List.copyOf(grantedScopes);
        account = Map.copyOf(account);
    }
}
