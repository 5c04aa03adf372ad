package dev.integ.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The YAML config file as written by an admin. Every field is optional; keys are kebab-case.
 * Unknown keys are rejected so a typo never silently falls back to a default.
 */
public record ConfigFile(Redis redis, Vault vault, Map<String, RateLimit> rateLimits, Events events, String namespace,
                         String output, Map<String, Provider> providers) {

    public static final ConfigFile EMPTY = new ConfigFile(null, null, null, null, null, null, null);

    /**
     * One entry under {@code providers:}: a custom OAuth 2.0 / OpenID Connect provider, or overrides of
     * a built-in one's defaults. See {@code dev.integ.providers.ProviderCatalog} for what each key means.
     * Jackson fills it through the canonical constructor (a component is a YAML key, kebab-cased); code
     * makes one with {@link #builder()}, so a new key is one component here and one line in each of
     * {@link Builder}'s field list and {@code build()}, and no caller changes.
     */
    public record Provider(String title,
                           String issuer,
                           String authorizationEndpoint,
                           String tokenEndpoint,
                           String revocationEndpoint,
                           String userinfoEndpoint,
                           String resourcesEndpoint,
                           String deviceAuthorizationEndpoint,
                           String clientId,
                           String clientSecretEnv,
                           String clientSecretFile,
                           String clientAuth,
                           List<String> scopes,
                           String scopeParameter,
                           String scopeSeparator,
                           Boolean pkce,
                           Map<String, String> authorizeParameters,
                           String tokenEncoding,
                           String responseFormat,
                           String revocationAuth,
                           String revokeToken,
                           String redirectHost,
                           Integer redirectPort,
                           String redirectPath,
                           String revokeAdvice,
                           String refreshTokenLifetime,
                           String apiBaseUrl,
                           String verifyUrl,
                           String refreshTokenIdleLifetime,
                           String refreshTokenMaxLifetime,
                           Boolean refreshTokenRotation,
                           String publishingStatus) {

        /** An entry with no key set (as {@code providers: {acme: }} gives), to set some. */
        public static Builder builder() {
            return new Builder();
        }

        /** Named setters for every key; unset keys stay null (absent from the file). */
        public static final class Builder {
            private String title;
            private String issuer;
            private String authorizationEndpoint;
            private String tokenEndpoint;
            private String deviceAuthorizationEndpoint;
            private String revocationEndpoint;
            private String userinfoEndpoint;
            private String resourcesEndpoint;
            private String clientId;
            private String clientSecretEnv;
            private String clientSecretFile;
            private String clientAuth;
            private List<String> scopes;
            private String scopeParameter;
            private String scopeSeparator;
            private Boolean pkce;
            private Map<String, String> authorizeParameters;
            private String tokenEncoding;
            private String responseFormat;
            private String revocationAuth;
            private String revokeToken;
            private String redirectHost;
            private Integer redirectPort;
            private String redirectPath;
            private String revokeAdvice;
            private String refreshTokenLifetime;
            private String apiBaseUrl;
            private String verifyUrl;
            private String refreshTokenIdleLifetime;
            private String refreshTokenMaxLifetime;
            private Boolean refreshTokenRotation;
            private String publishingStatus;

            private Builder() {
            }

            public Builder title(String value) {
                title = value;
                return this;
            }

            public Builder issuer(String value) {
                issuer = value;
                return this;
            }

            public Builder authorizationEndpoint(String value) {
                authorizationEndpoint = value;
                return this;
            }

            public Builder tokenEndpoint(String value) {
                tokenEndpoint = value;
                return this;
            }

            public Builder revocationEndpoint(String value) {
                revocationEndpoint = value;
                return this;
            }

            public Builder userinfoEndpoint(String value) {
                userinfoEndpoint = value;
                return this;
            }

            public Builder resourcesEndpoint(String value) {
                resourcesEndpoint = value;
                return this;
            }

            public Builder clientId(String value) {
                clientId = value;
                return this;
            }

            public Builder clientSecretEnv(String value) {
                clientSecretEnv = value;
                return this;
            }

            public Builder clientSecretFile(String value) {
                clientSecretFile = value;
                return this;
            }

            public Builder clientAuth(String value) {
                clientAuth = value;
                return this;
            }

            public Builder scopes(List<String> value) {
                scopes = value;
                return this;
            }

            public Builder scopeParameter(String value) {
                scopeParameter = value;
                return this;
            }

            public Builder scopeSeparator(String value) {
                scopeSeparator = value;
                return this;
            }

            public Builder pkce(Boolean value) {
                pkce = value;
                return this;
            }

            public Builder authorizeParameters(Map<String, String> value) {
                authorizeParameters = value;
                return this;
            }

            public Builder tokenEncoding(String value) {
                tokenEncoding = value;
                return this;
            }

            public Builder responseFormat(String value) {
                responseFormat = value;
                return this;
            }

            public Builder revocationAuth(String value) {
                revocationAuth = value;
                return this;
            }

            public Builder revokeToken(String value) {
                revokeToken = value;
                return this;
            }

            public Builder deviceAuthorizationEndpoint(String value) {
                deviceAuthorizationEndpoint = value;
                return this;
            }

            public Builder redirectHost(String value) {
                redirectHost = value;
                return this;
            }

            public Builder redirectPort(Integer value) {
                redirectPort = value;
                return this;
            }

            public Builder redirectPath(String value) {
                redirectPath = value;
                return this;
            }

            public Builder revokeAdvice(String value) {
                revokeAdvice = value;
                return this;
            }

            public Builder refreshTokenLifetime(String value) {
                refreshTokenLifetime = value;
                return this;
            }

            public Builder apiBaseUrl(String value) {
                apiBaseUrl = value;
                return this;
            }

            public Builder verifyUrl(String value) {
                verifyUrl = value;
                return this;
            }

            public Builder refreshTokenIdleLifetime(String value) {
                refreshTokenIdleLifetime = value;
                return this;
            }

            public Builder refreshTokenMaxLifetime(String value) {
                refreshTokenMaxLifetime = value;
                return this;
            }

            public Builder refreshTokenRotation(Boolean value) {
                refreshTokenRotation = value;
                return this;
            }

            public Builder publishingStatus(String value) {
                publishingStatus = value;
                return this;
            }

            public Provider build() {
                return new Provider(title,
                        issuer,
                        authorizationEndpoint,
                        tokenEndpoint,
                        revocationEndpoint,
                        userinfoEndpoint,
                        resourcesEndpoint,
                        deviceAuthorizationEndpoint,
                        clientId,
                        clientSecretEnv,
                        clientSecretFile,
                        clientAuth,
                        scopes,
                        scopeParameter,
                        scopeSeparator,
                        pkce,
                        authorizeParameters,
                        tokenEncoding,
                        responseFormat,
                        revocationAuth,
                        revokeToken,
                        redirectHost,
                        redirectPort,
                        redirectPath,
                        revokeAdvice,
                        refreshTokenLifetime,
                        apiBaseUrl,
                        verifyUrl,
                        refreshTokenIdleLifetime,
                        refreshTokenMaxLifetime,
                        refreshTokenRotation,
                        publishingStatus);
            }
        }
    }

    /**
     * The {@code events:} section: retention of the security event log and alert thresholds.
     * {@code keep-for: 90d}, {@code keep: 10000000} events (a safety valve); alerts above {@code max-actions-per-hour}
     * (per provider and user), {@code max-failures-per-15m}, {@code max-failure-rate-percent} (once an
     * hour holds {@code failure-rate-min-events}); {@code anchor-file}: where the chain head is checkpointed.
     */
    public record Events(Long keep, String keepFor, Integer maxActionsPerHour,
                         @JsonProperty("max-failures-per-15m") Integer maxFailuresPer15m,
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
