package dev.integ.providers;

/** A client secret: in clear only in memory, never in {@link #toString()}; reading it is an explicit call. */
public final class ClientSecret {
    private final String value;

    ClientSecret(String value) {
        this.value = value;
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "ClientSecret[redacted]";
    }
}
