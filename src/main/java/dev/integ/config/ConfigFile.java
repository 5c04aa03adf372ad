package dev.integ.config;

/**
 * The YAML config file as written by an admin. Every field is optional; keys are kebab-case.
 * Unknown keys are rejected so a typo never silently falls back to a default.
 */
public record ConfigFile(Redis redis, Vault vault, java.util.Map<String, RateLimit> rateLimits, Events events, String namespace,
                         String output, java.util.Map<String, Provider> providers) {

    public static final ConfigFile EMPTY = new ConfigFile(null, null, null, null, null, null, null);

    /**
     * One entry under {@code providers:}: a custom OAuth 2.0 / OpenID Connect provider, or overrides of
     * a built-in one's defaults. See {@code dev.integ.providers.ProviderCatalog} for what each key means.
     */
    public record Provider(String title, String issuer, String authorizationEndpoint, String tokenEndpoint,
                           String revocationEndpoint, String userinfoEndpoint, String resourcesEndpoint, String clientId,
                           String clientSecretEnv, String clientSecretFile, String clientAuth, java.util.List<String> scopes,
                           String scopeParameter, String scopeSeparator, Boolean pkce,
                           java.util.Map<String, String> authorizeParameters, String tokenEncoding, String responseFormat,
                           String revocationAuth, String revokeToken, String redirectHost, Integer redirectPort,
                           String redirectPath, String revokeAdvice, String refreshTokenLifetime) {
    }

    /**
     * The {@code events:} section: retention of the security event log and alert thresholds.
     * {@code keep-for: 90d}, {@code keep: 10000000} events (a safety valve); alerts above {@code max-actions-per-hour}
     * (per provider and user), {@code max-failures-per-15m}, {@code max-failure-rate-percent} (once an
     * hour holds {@code failure-rate-min-events}); {@code anchor-file}: where the chain head is checkpointed.
     */
    public record Events(Long keep, String keepFor, Integer maxActionsPerHour,
                         @com.fasterxml.jackson.annotation.JsonProperty("max-failures-per-15m") Integer maxFailuresPer15m,
                         Integer maxFailureRatePercent, Integer failureRateMinEvents, String anchorFile) {
    }

    /** One provider's entry under {@code rate-limits:}, e.g. {@code slack: {per-user: 50/1m, overall: 1000/1m}}. */
    public record RateLimit(String perUser, String overall) {
    }

    public Redis redisOrEmpty() {
        return redis == null ? Redis.EMPTY : redis;
    }

    public Vault vaultOrEmpty() {
        return vault == null ? Vault.EMPTY : vault;
    }

    /** The {@code vault:} section; {@code retire-grace} is how long a retiring data key stays before `keys retire` may delete it. */
    public record Vault(String masterKeyFile, String retireGrace) {
        static final Vault EMPTY = new Vault(null, null);
    }

    /**
     * The {@code redis:} section. {@code min-replica-acks} and {@code ack-timeout}: how many replicas must
     * confirm a credential, keyset or event write, and how long integ waits for them.
     */
    public record Redis(String url, String passwordFile, String caFile, String clientCert, String clientKey,
                        String timeout, String minReplicaAcks, String ackTimeout) {
        static final Redis EMPTY = new Redis(null, null, null, null, null, null, null, null);
    }
}
