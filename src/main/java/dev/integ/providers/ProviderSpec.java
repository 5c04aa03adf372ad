package dev.integ.providers;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything integ needs to know to run OAuth 2.0 against one provider. Built-in providers are
 * pre-filled instances of this record and custom ones come from the config file, so a provider's
 * quirks (Slack's comma-separated user scopes, Atlassian's JSON token body, Google's offline access)
 * are values here, never branches on a provider's name. Instances are made with {@link #builder(String)}
 * or {@link #toBuilder()}, never positionally: a new field is then one component here and one line in
 * each of {@link Builder}'s field list, copy constructor and {@code build()}, and no caller changes.
 *
 * @param name                the name commands take and credentials are stored under ("slack")
 * @param title               what people call it ("Slack", "Jira (Atlassian)")
 * @param aliases             other names accepted on the command line ("google_drive")
 * @param builtIn             shipped with integ (its fields may still be overridden in the config file)
 * @param issuer              the authorization server's issuer: the base of discovery (RFC 8414 / OIDC) and
 *                            what an RFC 9207 {@code iss} in the callback must equal; null when unknown
 * @param endpoints           where to send the browser and the token requests; null fields come from discovery
 * @param client              the registered client: its id and where its secret is read from
 * @param scopes              the scopes to ask for
 * @param scopeParameter      the authorize parameter that carries them ("scope"; Slack's user tokens: "user_scope")
 * @param scopeSeparator      " " (RFC 6749) or "," (Slack)
 * @param pkce                send an RFC 7636 S256 challenge
 * @param authorizeParameters extra authorize parameters (Google: access_type=offline; Atlassian: audience)
 * @param tokenEncoding       the token request body: form (RFC 6749) or JSON (Atlassian)
 * @param responseFormat      how to read token responses: RFC 6749, or Slack's {"ok":...} envelope
 * @param revocation          how to authenticate a revocation request, and with which token
 * @param redirect            the loopback redirect URI's host, port (0: any free port) and path
 * @param revokeAdvice        what an admin must do at the provider when integ cannot end a grant itself (no
 *                            revocation endpoint, or a damaged record whose tokens cannot be read)
 * @param refreshTokens       when refresh tokens stop working: lifetime, inactivity, the grant's end, rotation
 * @param deviceScopes        the only scopes the device grant may ask for (Google's limited-input clients);
 *                            empty: no known limit
 * @param apiBaseUrl          where the provider's API lives ("https://slack.com/api/"): every call with a stored
 *                            token goes under it, and nowhere else; null when none is known (custom provider)
 * @param verifyUrl           what `verify` asks to prove a credential works, relative to the API base or absolute;
 *                            "{cloudId}" in it is a site looked up through the resources endpoint; null: the userinfo endpoint
 */
public record ProviderSpec(String name,
                           String title,
                           Set<String> aliases,
                           boolean builtIn,
                           String issuer,
                           Endpoints endpoints,
                           ClientSettings client,
                           List<String> scopes,
                           String scopeParameter,
                           String scopeSeparator,
                           boolean pkce,
                           Map<String, String> authorizeParameters,
                           TokenEncoding tokenEncoding,
                           ResponseFormat responseFormat,
                           Revocation revocation,
                           Redirect redirect,
                           String revokeAdvice,
                           RefreshTokenPolicy refreshTokens,
                           Set<String> deviceScopes,
                           String apiBaseUrl,
                           String verifyUrl) {

    public ProviderSpec {
        aliases = Set.copyOf(aliases);
        deviceScopes = Set.copyOf(deviceScopes);
        scopes = List.copyOf(scopes);
        authorizeParameters = Map.copyOf(authorizeParameters);
    }

    /**
     * Where requests go. Endpoints are URIs as strings exactly as configured.
     *
     * @param resources           an endpoint listing the sites a token reaches (Atlassian's accessible-resources)
     * @param deviceAuthorization RFC 8628's device authorization endpoint, for sign-in on a machine without a browser;
     *                            null where the provider has none (Slack, Atlassian)
     */
    public record Endpoints(String authorization,
                            String token,
                            String revocation,
                            String userinfo,
                            String resources,
                            String deviceAuthorization) {
        public static final Endpoints NONE = builder().build();

        public static Builder builder() {
            return new Builder();
        }

        /** These endpoints, with the gaps filled from {@code other} (discovery). */
        public Endpoints or(Endpoints other) {
            return builder()
                    .authorization(first(authorization, other.authorization))
                    .token(first(token, other.token))
                    .revocation(first(revocation, other.revocation))
                    .userinfo(first(userinfo, other.userinfo))
                    .resources(first(resources, other.resources))
                    .deviceAuthorization(first(deviceAuthorization, other.deviceAuthorization))
                    .build();
        }

        public boolean complete() {
            return authorization != null && token != null;
        }

        private static String first(String a, String b) {
            return a != null ? a : b;
        }

        /** Every endpoint unset (null) until given. */
        public static final class Builder {
            private String authorization;
            private String token;
            private String revocation;
            private String userinfo;
            private String resources;
            private String deviceAuthorization;

            private Builder() {
            }

            public Builder authorization(String value) {
                authorization = value;
                return this;
            }

            public Builder token(String value) {
                token = value;
                return this;
            }

            public Builder revocation(String value) {
                revocation = value;
                return this;
            }

            public Builder userinfo(String value) {
                userinfo = value;
                return this;
            }

            public Builder resources(String value) {
                resources = value;
                return this;
            }

            public Builder deviceAuthorization(String value) {
                deviceAuthorization = value;
                return this;
            }

            public Endpoints build() {
                return new Endpoints(authorization,
                        token,
                        revocation,
                        userinfo,
                        resources,
                        deviceAuthorization);
            }
        }
    }

    /**
     * @param clientId     the configured client id (the environment may still override it), or null
     * @param secretEnv    the environment variable holding the client secret
     * @param secretFile   a file holding the client secret (0600), or null
     * @param auth         how the client authenticates at the token endpoint
     */
    public record ClientSettings(String clientId, String secretEnv, String secretFile, ClientAuth auth) {
    }

    public enum TokenEncoding { FORM, JSON }

    public enum ResponseFormat {
        /** RFC 6749 §5: errors as HTTP 4xx with {"error": ...}. */
        OAUTH,
        /** Slack: HTTP 200 with {"ok": false, "error": ...} on errors; a user token nested in "authed_user". */
        SLACK
    }

    /**
     * @param auth  {@code client}: RFC 7009, the token in the body plus client authentication;
     *              {@code none}: the token in the body alone (Google); {@code bearer}: the token being
     *              revoked as the bearer token (Slack's auth.revoke)
     * @param token which token to revoke: {@code refresh} (ends the whole grant where the provider
     *              supports it) or {@code access}
     */
    public record Revocation(String auth, String token) {
        public static final Revocation RFC7009 = new Revocation("client", "refresh");
    }

    /**
     * @param host 127.0.0.1, ::1 or localhost: what the provider has registered, byte for byte
     * @param port 0 for any free port (RFC 8252 §7.3); a fixed one where the provider matches it exactly
     * @param path per provider ("/cb/slack"): the mix-up defence of RFC 9700 §4.4
     */
    public record Redirect(String host, int port, String path) {
    }

    /** A provider called {@code name}; collections start empty, endpoints unset, everything else null or false. */
    public static Builder builder(String name) {
        return new Builder().name(name);
    }

    /** A builder holding every field of this provider, to change some of them. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** This provider with other endpoints (the ones discovery completed). */
    public ProviderSpec withEndpoints(Endpoints endpoints) {
        return toBuilder().endpoints(endpoints).build();
    }

    /** The name people type in environment variables: "SLACK", "MY_IDP" for "my-idp". */
    public String environmentPrefix() {
        return name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public boolean hasRevocationEndpoint() {
        return endpoints.revocation() != null;
    }

    /** The scopes asked for that the device grant may not ask for; empty when the device grant may be used. */
    public List<String> scopesNotAllowedOnDevices() {
        return deviceScopes.isEmpty() ? List.of() : scopes.stream().filter(s -> !deviceScopes.contains(s)).toList();
    }

    /** Named setters for every field (see the record's parameters for what each means). */
    public static final class Builder {
        private String name;
        private String title;
        private Set<String> aliases = Set.of();
        private boolean builtIn;
        private String issuer;
        private Endpoints endpoints = Endpoints.NONE;
        private ClientSettings client;
        private List<String> scopes = List.of();
        private String scopeParameter;
        private String scopeSeparator;
        private boolean pkce;
        private Map<String, String> authorizeParameters = Map.of();
        private TokenEncoding tokenEncoding;
        private ResponseFormat responseFormat;
        private Revocation revocation;
        private Redirect redirect;
        private String revokeAdvice;
        private RefreshTokenPolicy refreshTokens = RefreshTokenPolicy.UNKNOWN;
        private Set<String> deviceScopes = Set.of();
        private String apiBaseUrl;
        private String verifyUrl;

        private Builder() {
        }

        private Builder(ProviderSpec spec) {
            name = spec.name;
            title = spec.title;
            aliases = spec.aliases;
            builtIn = spec.builtIn;
            issuer = spec.issuer;
            endpoints = spec.endpoints;
            client = spec.client;
            scopes = spec.scopes;
            scopeParameter = spec.scopeParameter;
            scopeSeparator = spec.scopeSeparator;
            pkce = spec.pkce;
            authorizeParameters = spec.authorizeParameters;
            tokenEncoding = spec.tokenEncoding;
            responseFormat = spec.responseFormat;
            revocation = spec.revocation;
            redirect = spec.redirect;
            revokeAdvice = spec.revokeAdvice;
            refreshTokens = spec.refreshTokens;
            deviceScopes = spec.deviceScopes;
            apiBaseUrl = spec.apiBaseUrl;
            verifyUrl = spec.verifyUrl;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder title(String value) {
            title = value;
            return this;
        }

        public Builder aliases(Set<String> value) {
            aliases = value;
            return this;
        }

        public Builder builtIn(boolean value) {
            builtIn = value;
            return this;
        }

        public Builder issuer(String value) {
            issuer = value;
            return this;
        }

        public Builder endpoints(Endpoints value) {
            endpoints = value;
            return this;
        }

        public Builder client(ClientSettings value) {
            client = value;
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

        public Builder pkce(boolean value) {
            pkce = value;
            return this;
        }

        public Builder authorizeParameters(Map<String, String> value) {
            authorizeParameters = value;
            return this;
        }

        public Builder tokenEncoding(TokenEncoding value) {
            tokenEncoding = value;
            return this;
        }

        public Builder responseFormat(ResponseFormat value) {
            responseFormat = value;
            return this;
        }

        public Builder revocation(Revocation value) {
            revocation = value;
            return this;
        }

        public Builder redirect(Redirect value) {
            redirect = value;
            return this;
        }

        public Builder revokeAdvice(String value) {
            revokeAdvice = value;
            return this;
        }

        public Builder refreshTokens(RefreshTokenPolicy value) {
            refreshTokens = value;
            return this;
        }

        public Builder deviceScopes(Set<String> value) {
            deviceScopes = value;
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

        public ProviderSpec build() {
            return new ProviderSpec(name,
                    title,
                    aliases,
                    builtIn,
                    issuer,
                    endpoints,
                    client,
                    scopes,
                    scopeParameter,
                    scopeSeparator,
                    pkce,
                    authorizeParameters,
                    tokenEncoding,
                    responseFormat,
                    revocation,
                    redirect,
                    revokeAdvice,
                    refreshTokens,
                    deviceScopes,
                    apiBaseUrl,
                    verifyUrl);
        }
    }
}
