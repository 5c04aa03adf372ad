package dev.integ.oauth;

import dev.integ.http.ResponseScrubber;

import java.util.Set;

/**
 * A token endpoint's "no": its error code ("invalid_grant", Slack's "invalid_refresh_token"), the
 * description it gave, and the HTTP status (Slack refuses with 200).
 */
public record TokenRefusal(String error, String description, int status) implements TokenOutcome {
    /** The codes with which providers say a refresh token (or the grant behind it) is no longer good. */
    private static final Set<String> DEAD_GRANT = Set.of("invalid_grant", "invalid_refresh_token", "token_revoked", "token_expired");

    public boolean grantIsDead() {
        return DEAD_GRANT.contains(error);
    }

    /** "invalid_grant (Token has been expired or revoked.)", with only characters that are safe to print. */
    public String explain() {
        String code = error.replaceAll("[^A-Za-z0-9_.:-]", "?");
        String text = description == null ? "" : ResponseScrubber.scrub(description);
        return text.isBlank() ? code : code + " (" + text + ")";
    }
}
