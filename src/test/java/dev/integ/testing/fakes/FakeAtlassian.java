package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Atlassian OAuth 2.0 (3LO) (PROVIDERS.md §3): {@code audience=api.atlassian.com} required, exact
 * redirect match, no PKCE (challenges are ignored), a token endpoint that takes JSON only and requires
 * {@code client_secret}, refresh tokens only with {@code offline_access}, rotating refresh tokens whose
 * previous token stays usable for a 10-minute leeway, 90-day inactivity and 365-day absolute expiry,
 * 403 {@code invalid_grant}, {@code accessible-resources}, {@code /ex/jira/{cloudId}/rest/api/3/myself},
 * and no revocation endpoint.
 */
public final class FakeAtlassian extends FakeProvider {
    public static final Duration ACCESS_LIFETIME = Duration.ofSeconds(3600);
    public static final Duration REUSE_LEEWAY = Duration.ofMinutes(10);
    public static final Duration INACTIVITY_EXPIRY = Duration.ofDays(90);
    public static final Duration ABSOLUTE_EXPIRY = Duration.ofDays(365);
    public static final String AUDIENCE = "api.atlassian.com";

    /** One Jira site the grant reaches. */
    public record Site(String id, String name, String url) {
    }

    public static final Site DEFAULT_SITE = new Site("1324a887-45db-1bf4-1e99-ef0ff456d421", "acme", "https://acme.atlassian.net");

    private final List<Site> sites = new CopyOnWriteArrayList<>(List.of(DEFAULT_SITE));
    private volatile String accountId = "5b10ac8d82e05b22cc7d4ef5";
    private final FakeJiraApi api;
    private volatile boolean strictRotation;

    public FakeAtlassian() {
        this("atl-client-id", "atl-client-secret");
    }

    public FakeAtlassian(String clientId, String clientSecret) {
        this(clientId, clientSecret, new MutableClock());
    }

    public FakeAtlassian(String clientId, String clientSecret, Clock clock) {
        super(clientId, clientSecret, clock, ACCESS_LIFETIME);
        route("/authorize", this::authorize, "GET");
        route("/oauth/token", this::token, "POST");
        route("/oauth/token/accessible-resources", this::resources, "GET");
        api = new FakeJiraApi(this);
    }

    @Override
    public FakeAtlassian registerRedirect(String uri) {
        super.registerRedirect(uri);
        return this;
    }

    /** Replaces the sites listed by accessible-resources. */
    public FakeAtlassian sites(Site... sites) {
        this.sites.clear();
        this.sites.addAll(List.of(sites));
        return this;
    }

    public List<Site> sites() {
        return List.copyOf(sites);
    }

    public FakeAtlassian accountId(String accountId) {
        this.accountId = accountId;
        return this;
    }

    @Override
    public URI authorizationEndpoint() {
        return endpoint("/authorize");
    }

    @Override
    public URI tokenEndpoint() {
        return endpoint("/oauth/token");
    }

    /** Atlassian documents no 3LO revocation endpoint. */
    @Override
    public URI revocationEndpoint() {
        return null;
    }

    @Override
    public URI resourcesEndpoint() {
        return endpoint("/oauth/token/accessible-resources");
    }

    /** {@code /ex/jira/{cloudId}/rest/api/3/myself}. */
    @Override
    public URI userinfoEndpoint() {
        return myselfEndpoint(sites.isEmpty() ? DEFAULT_SITE.id() : sites.get(0).id());
    }

    public URI myselfEndpoint(String cloudId) {
        return endpoint("/ex/jira/" + cloudId + "/rest/api/3/myself");
    }

    @Override
    protected List<String> requestedScopes(Map<String, String> params) {
        return split(params.get("scope"), " +");
    }

    @Override
    protected boolean loopbackAnyPort() {
        return false;
    }

    @Override
    protected boolean supportsPkce() {
        return false;
    }

    @Override
    protected Response checkAuthorize(Map<String, String> params) {
        if (!AUDIENCE.equals(params.get("audience"))) {
            return errorPage("invalid_request", "audience must be " + AUDIENCE + ", was " + params.get("audience"));
        }
        return null;
    }

    /**
     * Strict rotation instead of Atlassian's leeway: a refresh token works once, and presenting a spent
     * one again revokes the whole grant, as a provider with reuse detection does (RFC 9700 §4.14.2). The
     * {@link #ledger()} counts every presentation either way.
     */
    public FakeAtlassian strictRotation(boolean on) {
        this.strictRotation = on;
        this.revokeGrantOnReuse = on;
        return this;
    }

    @Override
    protected Reuse refreshReuse() {
        return strictRotation ? Reuse.SINGLE_USE : Reuse.LEEWAY;
    }

    @Override
    protected Duration reuseLeeway() {
        return REUSE_LEEWAY;
    }

    @Override
    protected Duration grantLifetime() {
        return ABSOLUTE_EXPIRY;
    }

    private static Response error(int status, String error, String description) {
        return Response.json(status, obj("error", error, "error_description", description)).with("Cache-Control", "no-store");
    }

    private Response token(Request request) {
        String contentType = request.header("Content-Type");
        boolean json = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
        Map<String, String> p = json ? jsonParams(request) : request.form();
        Credentials c = credentials(request, p == null ? Map.of() : p);
        Response failing = recordTokenRequest(request, p == null ? Map.of() : p, c.method());
        if (!json) {
            return error(415, "invalid_request", "Content-Type must be application/json");
        }
        if (p == null) {
            return error(400, "invalid_request", "The request body is not a JSON object.");
        }
        if (failing != null) {
            return failing;
        }
        try {
            if (!clientId.equals(p.get("client_id")) || !clientSecret.equals(p.get("client_secret"))) {
                throw new Rejected(Problem.BAD_SECRET, "client_id and client_secret are required in the body");
            }
            String grantType = p.get("grant_type");
            if (grantType == null) {
                throw new Rejected(Problem.INVALID_REQUEST, "Missing required parameter: grant_type");
            }
            return switch (grantType) {
                case "authorization_code" -> exchange(p);
                case "refresh_token" -> refresh(p);
                default -> throw new Rejected(Problem.UNSUPPORTED_GRANT, "Unsupported grant type: " + grantType);
            };
        } catch (Rejected r) {
            return switch (r.problem) {
                case UNKNOWN_CLIENT, BAD_SECRET, WRONG_AUTH_METHOD -> error(401, "access_denied", "Unauthorized");
                case INVALID_REQUEST -> error(400, "invalid_request", r.detail);
                case UNSUPPORTED_GRANT -> error(403, "unsupported_grant_type", r.detail);
                case INVALID_CODE, BAD_VERIFIER -> error(403, "invalid_grant", "Invalid authorization code");
                case REDIRECT_MISMATCH -> error(403, "invalid_grant", "redirect_uri does not match the authorization request");
                case INVALID_REFRESH -> error(403, "invalid_grant", "Unknown or invalid refresh token.");
            };
        }
    }

    /** A flat JSON object as strings, or null if the body is not one. */
    private static Map<String, String> jsonParams(Request request) {
        try {
            JsonNode node = JSON.readTree(request.body);
            if (node == null || !node.isObject()) {
                return null;
            }
            Map<String, String> out = new LinkedHashMap<>();
            node.properties().forEach(e -> out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
            return out;
        } catch (IOException e) {
            return null;
        }
    }

    private Response exchange(Map<String, String> p) throws Rejected {
        AuthCode code = redeemCode(p, clientId);
        Grant g = newGrant("", code.scopes(), code);
        RefreshToken rt = g.scopes.contains("offline_access") ? issueRefresh(g, "atl-rt-", INACTIVITY_EXPIRY) : null;
        return tokens(g, rt);
    }

    private Response refresh(Map<String, String> p) throws Rejected {
        RefreshToken used = redeemRefresh(p.get("refresh_token"), clientId);
        return tokens(used.grant, issueRefresh(used.grant, "atl-rt-", INACTIVITY_EXPIRY));
    }

    private Response tokens(Grant g, RefreshToken rt) {
        Duration lifetime = accessTokenLifetime;
        AccessToken at = issueAccess(g, "atl-at-", lifetime);
        Map<String, Object> body = obj("access_token", at.value);
        if (rt != null) {
            body.put("refresh_token", rt.value);
        }
        body.put("expires_in", seconds(lifetime));
        body.put("scope", String.join(" ", g.scopes));
        body.put("token_type", "Bearer");
        return Response.json(200, body).with("Cache-Control", "no-store");
    }

    /** Jira Cloud REST beyond OAuth: myself, issue. */
    public FakeJiraApi api() {
        return api;
    }

    static Response unauthorized() {
        return Response.json(401, obj("code", 401, "message", "Unauthorized; scope does not match"));
    }

    private Response resources(Request request) {
        AccessToken at = validBearer(request);
        if (at == null) {
            return unauthorized();
        }
        List<String> scopes = at.grant.scopes.stream().filter(s -> !"offline_access".equals(s)).toList();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Site s : sites) {
            out.add(obj("id", s.id(), "name", s.name(), "url", s.url(), "scopes", scopes,
                    "avatarUrl", "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png"));
        }
        return Response.json(200, out);
    }

    /** Jira's myself: who the token belongs to (the site was checked by the caller). */
    Response myself() {
        return Response.json(200, obj("accountId", accountId, "accountType", "atlassian", "emailAddress", email(),
                "displayName", displayName(), "active", true, "timeZone", "Europe/Berlin"));
    }
}
