package dev.integ.providers;

import dev.integ.config.ConfigFile;
import dev.integ.core.Durations;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;
import dev.integ.core.ProviderName;
import dev.integ.providers.ProviderSpec.ClientSettings;
import dev.integ.providers.ProviderSpec.Endpoints;
import dev.integ.providers.ProviderSpec.Redirect;
import dev.integ.providers.ProviderSpec.ResponseFormat;
import dev.integ.providers.ProviderSpec.Revocation;
import dev.integ.providers.ProviderSpec.TokenEncoding;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The providers of one invocation: the built-in ones with the config file's overrides applied, and
 * the config file's custom ones. Every entry is checked when the settings are read, so a typo in the
 * config fails every command at once, naming the key, instead of half-way through a sign-in.
 */
public final class ProviderCatalog {
    private static final Pattern PARAMETER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "::1", "localhost");

    private final Map<String, ProviderSpec> byName;

    private ProviderCatalog(Map<String, ProviderSpec> byName) {
        this.byName = byName;
    }

    public static ProviderCatalog builtIn() {
        return from(null);
    }

    /** @param config the config file's {@code providers:} section, or null */
    public static ProviderCatalog from(Map<String, ConfigFile.Provider> config) {
        Map<String, ProviderSpec> specs = new LinkedHashMap<>();
        BuiltInProviders.ALL.forEach(p -> specs.put(p.name(), p));
        if (config != null) {
            config.forEach((name, entry) -> {
                ProviderName.require(name, "providers");
                Optional<String> owner = aliasOwner(specs, name);
                if (owner.isPresent()) {
                    throw IntegException.usage("providers." + name + " is already the name of a built-in provider",
                            "it is another name of " + owner.get(), "configure that provider under its own name");
                }
                ConfigFile.Provider e = entry == null ? emptyEntry() : entry;
                ProviderSpec base = specs.get(name);
                specs.put(name, base != null ? override(base, e) : custom(name, e));
            });
        }
        return new ProviderCatalog(specs);
    }

    /** Every provider: the built-in ones first, then the custom ones in config order. */
    public List<ProviderSpec> all() {
        return List.copyOf(byName.values());
    }

    /**
     * The provider called {@code name} or one of its aliases ("google_drive" is "google"), for a command
     * that needs its settings (connect, refresh, revoke, providers show).
     *
     * @throws IntegException exit 2 when it is neither built in nor configured, the same error everywhere
     */
    public ProviderSpec resolve(String name) {
        ProviderSpec spec = byName.get(canonical(name));
        if (spec != null) {
            return spec;
        }
        throw unknown(name);
    }

    /**
     * The one reading of a provider name given on the command line or in an import line: checked as a
     * name, then the provider's own name for a built-in or configured provider or one of their aliases;
     * any other name only when {@code alsoKnown} accepts it (a provider with a {@code rate-limits:} entry
     * for {@code ratelimit}, a credential stored under that name for {@code token}/{@code show}/{@code forget},
     * {@code import --allow-unknown-provider}).
     *
     * @param where how the user gave it ("PROVIDER", "--provider"), for the message of a malformed name
     * @throws IntegException exit 2: a malformed name, or one nobody knows (a typo would otherwise create orphans)
     */
    public String knownName(String name, String where, Predicate<String> alsoKnown) {
        String own = canonical(ProviderName.require(name, where));
        if (byName.containsKey(own) || alsoKnown.test(own)) {
            return own;
        }
        throw unknown(name);
    }

    /** "unknown provider": exit 2 (bad input) wherever a provider is named. */
    public IntegException unknown(String name) {
        return IntegException.usage("unknown provider '" + Echo.of(name) + "'", "known providers: " + String.join(", ", byName.keySet()),
                "check the spelling, or add a custom provider under 'providers:' in the config file ('integ providers' lists them)");
    }

    /**
     * The name credentials of {@code name} are stored under: the provider's own name for a known name or
     * alias ("google_drive" is "google"), else {@code name} as it is (an imported credential may belong
     * to a provider integ has no settings for).
     */
    public String canonical(String name) {
        return byName.containsKey(name) ? name : aliasOwner(byName, name).orElse(name);
    }

    /** The provider that has {@code alias} as another name. */
    private static Optional<String> aliasOwner(Map<String, ProviderSpec> specs, String alias) {
        return specs.values().stream().filter(p -> p.aliases().contains(alias)).map(ProviderSpec::name).findFirst();
    }

    private static ProviderSpec custom(String name, ConfigFile.Provider e) {
        String where = "providers." + name;
        if (e.issuer() == null && (e.authorizationEndpoint() == null || e.tokenEndpoint() == null)) {
            throw IntegException.usage(where + " has neither an issuer nor endpoints",
                    "give issuer (discovery) or authorization-endpoint and token-endpoint",
                    "see 'Providers' in README.md for an example");
        }
        String prefix = name.toUpperCase(Locale.ROOT).replace('-', '_');
        ProviderSpec base = ProviderSpec.builder(name)
                .title(name)
                .client(new ClientSettings(null, prefix + "_CLIENT_SECRET", null, ClientAuth.CLIENT_SECRET_BASIC))
                .scopeParameter("scope")
                .scopeSeparator(" ")
                .pkce(true)
                .tokenEncoding(TokenEncoding.FORM)
                .responseFormat(ResponseFormat.OAUTH)
                .revocation(Revocation.RFC7009)
                .redirect(new Redirect("127.0.0.1", 0, "/cb/" + name))
                .build();
        return override(base, e);
    }

    /** {@code base} with every key the entry sets replaced, each checked and named in errors as it is in the file. */
    private static ProviderSpec override(ProviderSpec base, ConfigFile.Provider e) {
        String where = "providers." + base.name() + ".";
        Endpoints endpoints = Endpoints.builder()
                .authorization(endpoint(e.authorizationEndpoint(), base.endpoints().authorization(), where + "authorization-endpoint"))
                .token(endpoint(e.tokenEndpoint(), base.endpoints().token(), where + "token-endpoint"))
                .revocation(endpoint(e.revocationEndpoint(), base.endpoints().revocation(), where + "revocation-endpoint"))
                .userinfo(endpoint(e.userinfoEndpoint(), base.endpoints().userinfo(), where + "userinfo-endpoint"))
                .resources(endpoint(e.resourcesEndpoint(), base.endpoints().resources(), where + "resources-endpoint"))
                .deviceAuthorization(endpoint(e.deviceAuthorizationEndpoint(), base.endpoints().deviceAuthorization(),
                        where + "device-authorization-endpoint"))
                .build();
        if (e.clientSecretEnv() != null && !Pattern.matches("[A-Za-z_][A-Za-z0-9_]*", e.clientSecretEnv())) {
            // not echoed: a secret pasted here by mistake must not reach the terminal or a CI log
            throw IntegException.usage("invalid " + where + "client-secret-env",
                    "give the name of an environment variable, not the secret itself", null);
        }
        ClientSettings client = new ClientSettings(
                or(e.clientId(), base.client().clientId()),
                or(e.clientSecretEnv(), base.client().secretEnv()),
                or(e.clientSecretFile(), base.client().secretFile()),
                e.clientAuth() == null ? base.client().auth() : ClientAuth.parse(e.clientAuth(), where + "client-auth"));
        List<String> scopes = e.scopes() == null ? base.scopes() : scopes(e.scopes(), where + "scopes");
        String separator = or(e.scopeSeparator(), base.scopeSeparator());
        if (!separator.equals(" ") && !separator.equals(",")) {
            throw IntegException.usage("invalid " + where + "scope-separator '" + Echo.of(separator) + "'", "expected \" \" or \",\"", null);
        }
        Map<String, String> parameters = new LinkedHashMap<>(base.authorizeParameters());
        if (e.authorizeParameters() != null) {
            e.authorizeParameters().forEach((k, v) -> {
                if (!PARAMETER.matcher(k).matches() || RESERVED.contains(k)) {
                    throw IntegException.usage("invalid " + where + "authorize-parameters key '" + Echo.of(k) + "'",
                            RESERVED.contains(k) ? "integ sets " + k + " itself" : "expected a plain parameter name", null);
                }
                parameters.put(k, v == null ? "" : v);
            });
        }
        return base.toBuilder()
                .title(or(e.title(), base.title()))
                .issuer(e.issuer() == null ? base.issuer() : issuer(e.issuer(), where + "issuer"))
                .endpoints(endpoints)
                .client(client)
                .scopes(scopes)
                .scopeParameter(parameter(or(e.scopeParameter(), base.scopeParameter()), where + "scope-parameter"))
                .scopeSeparator(separator)
                .pkce(e.pkce() == null ? base.pkce() : e.pkce())
                .authorizeParameters(parameters)
                .tokenEncoding(e.tokenEncoding() == null ? base.tokenEncoding()
                        : choice(TokenEncoding.class, e.tokenEncoding(), where + "token-encoding"))
                .responseFormat(e.responseFormat() == null ? base.responseFormat()
                        : choice(ResponseFormat.class, e.responseFormat(), where + "response-format"))
                .revocation(new Revocation(
                        oneOf(or(e.revocationAuth(), base.revocation().auth()), where + "revocation-auth", "client", "none", "bearer"),
                        oneOf(or(e.revokeToken(), base.revocation().token()), where + "revoke-token", "refresh", "access")))
                .redirect(redirect(base.redirect(), e, where))
                .revokeAdvice(or(e.revokeAdvice(), base.revokeAdvice()))
                .refreshTokens(refreshTokens(base.refreshTokens(), e, where))
                .apiBaseUrl(endpoint(e.apiBaseUrl(), base.apiBaseUrl(), where + "api-base-url"))
                .verifyUrl(or(e.verifyUrl(), base.verifyUrl()))
                .build();
    }

    /** The provider's refresh-token limits with the config's overrides; publishing-status: testing picks its testing lifetime. */
    private static RefreshTokenPolicy refreshTokens(RefreshTokenPolicy base, ConfigFile.Provider e, String where) {
        RefreshTokenPolicy policy = base;
        if (e.publishingStatus() != null) {
            String status = oneOf(e.publishingStatus(), where + "publishing-status", "production", "testing");
            if (status.equals("testing")) {
                policy = base.inTesting();
                if (policy == null) {
                    throw IntegException.usage("invalid " + where + "publishing-status 'testing'",
                            "integ knows no testing mode for this provider; give refresh-token-lifetime instead", null);
                }
            }
        }
        if (e.refreshTokenLifetime() != null) {
            policy = policy.withLifetime(lifetime(e.refreshTokenLifetime(), where + "refresh-token-lifetime"));
        }
        if (e.refreshTokenIdleLifetime() != null) {
            policy = policy.withIdle(lifetime(e.refreshTokenIdleLifetime(), where + "refresh-token-idle-lifetime"));
        }
        if (e.refreshTokenMaxLifetime() != null) {
            policy = policy.withGrant(lifetime(e.refreshTokenMaxLifetime(), where + "refresh-token-max-lifetime"));
        }
        if (e.refreshTokenRotation() != null) {
            policy = policy.withRotation(e.refreshTokenRotation());
        }
        return policy;
    }

    /** Parameters integ computes per sign-in: a fixed value in the config would defeat them. */
    private static final Set<String> RESERVED = Set.of("client_id", "redirect_uri", "state", "response_type", "code_challenge",
            "code_challenge_method", "scope", "user_scope", "nonce");

    private static Redirect redirect(Redirect base, ConfigFile.Provider e, String where) {
        String host = or(e.redirectHost(), base.host());
        if (!LOOPBACK_HOSTS.contains(host)) {
            throw IntegException.usage("invalid " + where + "redirect-host '" + Echo.of(host) + "'",
                    "integ receives the sign-in on this machine only: use 127.0.0.1, ::1 or localhost", null);
        }
        int port = e.redirectPort() == null ? base.port() : e.redirectPort();
        if (port < 0 || port > 65535) {
            throw IntegException.usage("invalid " + where + "redirect-port " + port, "give 1-65535, or 0 for any free port", null);
        }
        String path = or(e.redirectPath(), base.path());
        if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
            throw IntegException.usage("invalid " + where + "redirect-path '" + Echo.of(path) + "'", "give a path such as /cb/" + where.split("\\.")[1], null);
        }
        return new Redirect(host, port, path);
    }

    /**
     * Checks an endpoint URL, from the config file or a discovery document: tokens travel over it, so
     * it must be https, or plain http to this machine only.
     *
     * @param setting how messages name where the URL came from
     */
    public static String checkedEndpoint(String value, String setting) {
        return endpoint(value, null, setting);
    }

    private static String endpoint(String value, String fallback, String setting) {
        if (value == null) {
            return fallback;
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'", e.getReason(), null);
        }
        boolean loopback = uri.getHost() != null && (LOOPBACK_HOSTS.contains(uri.getHost()) || "[::1]".equals(uri.getHost()));
        if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback)) {
            throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'",
                    "tokens travel over it: it must be https (plain http only to this machine)", null);
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'", "it must not carry user info or a fragment", null);
        }
        return value;
    }

    private static String issuer(String value, String setting) {
        String checked = endpoint(value, null, setting);
        if (URI.create(checked).getRawQuery() != null) {
            throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'", "an issuer has no query (RFC 8414 §2)", null);
        }
        return checked;
    }

    private static List<String> scopes(List<String> scopes, String setting) {
        List<String> checked = new ArrayList<>();
        for (String s : scopes) {
            if (s == null || s.isBlank() || s.contains(" ") || s.contains(",")) {
                throw IntegException.usage("invalid scope '" + Echo.of(s) + "' in " + setting, "give each scope as its own list item", null);
            }
            checked.add(s);
        }
        return checked;
    }

    private static String parameter(String value, String setting) {
        if (!PARAMETER.matcher(value).matches()) {
            throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'", "expected a parameter name such as scope", null);
        }
        return value;
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, String setting) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'", "expected one of " + Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")), null);
    }

    private static String oneOf(String value, String setting, String... allowed) {
        if (!List.of(allowed).contains(value)) {
            throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'", "expected one of " + String.join(", ", allowed), null);
        }
        return value;
    }

    private static Duration lifetime(String value, String setting) {
        Duration d = Durations.parse(value);
        if (d.isZero() || d.isNegative()) {
            throw IntegException.usage("invalid " + setting + " '" + Echo.of(value) + "'", "it must be longer than zero", null);
        }
        return d;
    }

    private static String or(String value, String fallback) {
        return value != null ? value : fallback;
    }

    private static ConfigFile.Provider emptyEntry() {
        return ConfigFile.Provider.builder().build();
    }
}
