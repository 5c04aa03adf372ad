package dev.integ.providers;

import java.time.Duration;
import java.time.Instant;

/**
 * When a provider's refresh tokens stop working, as data (shared/design/PROVIDERS.md). A token
 * response's own {@code refresh_token_expires_in} always wins over {@link #lifetime}; the other
 * limits apply on top. The stored expiry is the earliest of them, so integ can say before it
 * happens which credentials will die, and whether a refresh would keep them alive.
 *
 * @param lifetime        a refresh token lives this long from its issue (Slack PKCE apps: 30 days); null: no limit known
 * @param idle            unused for this long, it dies; every refresh resets it (Atlassian: 90 days; Google: 6 months); null: none known
 * @param grant           the grant ends this long after the sign-in, however often it is refreshed (Atlassian: 365 days); null: none known
 * @param rotates         a refresh issues a new refresh token (Slack with rotation, Atlassian): then a refresh also renews {@link #lifetime}
 * @param testingLifetime {@link #lifetime} while the app is in testing ({@code publishing-status: testing}; Google: 7 days); null: no such mode
 */
public record RefreshTokenPolicy(Duration lifetime, Duration idle, Duration grant, boolean rotates, Duration testingLifetime) {
    public static final RefreshTokenPolicy UNKNOWN = new RefreshTokenPolicy(null, null, null, false, null);

    /** This policy for an app in its provider's testing mode; null when the provider has none. */
    public RefreshTokenPolicy inTesting() {
        return testingLifetime == null ? null : new RefreshTokenPolicy(testingLifetime, idle, grant, rotates, testingLifetime);
    }

    public RefreshTokenPolicy withLifetime(Duration value) {
        return new RefreshTokenPolicy(value, idle, grant, rotates, testingLifetime);
    }

    public RefreshTokenPolicy withIdle(Duration value) {
        return new RefreshTokenPolicy(lifetime, value, grant, rotates, testingLifetime);
    }

    public RefreshTokenPolicy withGrant(Duration value) {
        return new RefreshTokenPolicy(lifetime, idle, value, rotates, testingLifetime);
    }

    public RefreshTokenPolicy withRotation(boolean value) {
        return new RefreshTokenPolicy(lifetime, idle, grant, value, testingLifetime);
    }

    /**
     * When the refresh token of a new sign-in stops working if nobody uses it.
     *
     * @param stated the token response's own expiry ({@code refresh_token_expires_in}), or null
     */
    public Instant atSignIn(Instant stated, Instant now) {
        return earliest(stated != null ? stated : plus(now, lifetime), plus(now, idle), plus(now, grant));
    }

    /**
     * When it stops working after a refresh at {@code now}.
     *
     * @param stated     the refresh response's own expiry, or null
     * @param newToken   the response carried a new refresh token (rotation)
     * @param grantStart when the grant began (the credential's sign-in)
     * @param lastUse    when the stored expiry was computed (the last sign-in or refresh)
     * @param stored     the expiry stored then, or null
     */
    public Instant afterRefresh(Instant stated, boolean newToken, Instant grantStart, Instant lastUse, Instant stored, Instant now) {
        Instant token = stated != null ? stated : newToken ? plus(now, lifetime) : fixedPart(lastUse, stored);
        return earliest(token, plus(now, idle), plus(grantStart, grant));
    }

    /** What a refresh now would make the expiry, as far as this policy can tell (rotation as the provider does it). */
    public Instant ifRefreshedNow(Instant grantStart, Instant lastUse, Instant stored, Instant now) {
        return afterRefresh(null, rotates, grantStart, lastUse, stored, now);
    }

    /**
     * The part of a stored expiry that no refresh moves: all of it, unless inactivity is what set it
     * (then it was {@code lastUse + idle}, and a refresh starts that count again).
     */
    private Instant fixedPart(Instant lastUse, Instant stored) {
        if (stored == null || idle != null && lastUse != null && !stored.isBefore(lastUse.plus(idle))) {
            return null;
        }
        return stored;
    }

    private static Instant plus(Instant t, Duration d) {
        return t == null || d == null ? null : t.plus(d);
    }

    private static Instant earliest(Instant... times) {
        Instant first = null;
        for (Instant t : times) {
            if (t != null && (first == null || t.isBefore(first))) {
                first = t;
            }
        }
        return first;
    }
}
