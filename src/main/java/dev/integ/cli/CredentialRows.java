package dev.integ.cli;

import dev.integ.vault.Credential;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** How a credential's metadata is shown: one table row, or one JSON object. Never a secret: there is none here. */
final class CredentialRows {
    static final String HEADER = String.format("%-12s %-28s %-13s %-21s %-8s %s", "PROVIDER", "USER", "STATUS", "EXPIRES", "REFRESH", "SCOPES");

    private CredentialRows() {
    }

    static String row(Credential c, Instant now) {
        return String.format("%-12s %-28s %-13s %-21s %-8s %s", c.provider(), c.user(), c.effectiveStatus(now),
                c.expiresAt() == null ? "never" : seconds(c.expiresAt()), c.hasRefreshToken() ? "yes" : "no", String.join(" ", c.scopes()));
    }

    static String seconds(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    static Map<String, Object> json(Credential c, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", c.provider());
        m.put("user", c.user());
        m.put("status", c.effectiveStatus(now));
        m.put("scopes", c.scopes());
        m.put("expires_at", c.expiresAt());
        m.put("refresh_token", c.hasRefreshToken());
        m.put("refresh_expires_at", c.refreshExpiresAt());
        m.put("created_at", c.createdAt());
        m.put("updated_at", c.updatedAt());
        m.put("account", c.account());
        return m;
    }
}
