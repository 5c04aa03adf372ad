package dev.integ.vault;

import java.util.Map;
import java.util.Objects;

/**
 * The parts of a credential that grant access. They exist in clear only in memory, between
 * decryption and use; {@link #toString()} never shows them, and reading one is an explicit call.
 */
public final class Secrets {
    private final String accessToken;
    private final String refreshToken;
    private final Map<String, String> other;

    /** @param other further secret fields a provider returned (id_token, bot tokens...) */
    public Secrets(String accessToken, String refreshToken, Map<String, String> other) {
        this.accessToken = Objects.requireNonNull(accessToken, "accessToken");
        this.refreshToken = refreshToken;
        this.other = Map.copyOf(other);
    }

    public String revealAccessToken() {
        return accessToken;
    }

    public String revealRefreshToken() {
        return refreshToken;
    }

    public Map<String, String> revealOther() {
        return other;
    }

    public boolean hasRefreshToken() {
        return refreshToken != null;
    }

    @Override
    public String toString() {
        return "Secrets[redacted]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secrets s && accessToken.equals(s.accessToken) && Objects.equals(refreshToken, s.refreshToken)
                && other.equals(s.other);
    }

    @Override
    public int hashCode() {
        return Objects.hash(accessToken, refreshToken, other);
    }
}
