package dev.integ.vault;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What integ knows about one stored credential, without its secrets. Kept in clear next to the
 * ciphertext so it can be listed and filtered, and bound to the ciphertext as associated data, so
 * changing any of it makes the record fail to decrypt.
 *
 * @param status           "active", or "needs_reauth" once a refresh was refused
 * @param expiresAt        when the access token expires; null if it does not
 * @param refreshExpiresAt when the refresh token stops working; null if unknown or there is none
 * @param hasRefreshToken  whether a refresh token is stored
 * @param account          provider account facts (Slack team, Atlassian cloud id, Google email...)
 */
public record Credential(String provider, String user, String status, List<String> scopes, Instant expiresAt,
                         Instant refreshExpiresAt, boolean hasRefreshToken, Instant createdAt, Instant updatedAt,
                         Map<String, String> account) {

    public static final String ACTIVE = "active";
    public static final String NEEDS_REAUTH = "needs_reauth";
    public static final String EXPIRED = "expired";

    public Credential {
        scopes = List.copyOf(scopes);
        account = Map.copyOf(account);
    }

    /** The status a user sees: an expired access token with no way to refresh it is "expired". */
    public String effectiveStatus(Instant now) {
        if (!ACTIVE.equals(status)) {
            return status;
        }
        boolean accessExpired = expiresAt != null && !expiresAt.isAfter(now);
        boolean refreshUsable = hasRefreshToken && (refreshExpiresAt == null || refreshExpiresAt.isAfter(now));
        return accessExpired && !refreshUsable ? EXPIRED : ACTIVE;
    }

    /**
     * When Redis may delete the record: once its refresh token can no longer be used, or, without
     * one, once the access token has expired. Null: keep it (nothing expires).
     */
    public Instant retainUntil() {
        return hasRefreshToken ? refreshExpiresAt : expiresAt;
    }
}
