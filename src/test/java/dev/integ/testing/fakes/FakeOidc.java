package dev.integ.testing.fakes;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A generic, standards-following OpenID Connect / RFC 8414 server: discovery at both well-known paths,
 * S256-only PKCE, any loopback redirect port (RFC 8252), one enforced client-authentication method,
 * refresh tokens for {@code offline_access} (optionally rotated, strictly single use), optional RFC 9207
 * {@code iss} in the authorization response, RFC 7009 revocation that answers 200 even for unknown
 * tokens, and userinfo.
 */
public final class FakeOidc extends FakeProvider {
    public static final Duration ACCESS_LIFETIME = Duration.ofSeconds(3600);
    private static final Set<String> AUTH_METHODS = Set.of("client_secret_basic", "client_secret_post", "none");

    private volatile String clientAuth = "client_secret_basic";
    private final java.util.concurrent.atomic.AtomicInteger discoveryRequests = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean rotateRefreshTokens;
    private volatile boolean issParameter;
    private volatile String advertisedIssuer;
    private volatile String issParameterOverride;

    public FakeOidc() {
        this("oidc-client", "oidc-secret");
    }

    public FakeOidc(String clientId, String clientSecret) {
        this(clientId, clientSecret, new MutableClock());
    }

    public FakeOidc(String clientId, String clientSecret, Clock clock) {
        super(clientId, clientSecret, clock, ACCESS_LIFETIME);
        route("/.well-known/openid-configuration", this::metadata, "GET");
        route("/.well-known/oauth-authorization-server", this::metadata, "GET");
        route("/authorize", this::authorize, "GET");
        route("/token", this::token, "POST");
        route("/revoke", this::revoke, "POST");
        route("/userinfo", this::userinfo, "GET", "POST");
        route("/device_authorization", this::deviceAuthorization, "POST");
    }

    @Override
    public FakeOidc registerRedirect(String uri) {
        super.registerRedirect(uri);
        return this;
    }

    /** The one client-authentication method accepted: client_secret_basic (default), client_secret_post or none. */
    public FakeOidc clientAuth(String method) {
        if (!AUTH_METHODS.contains(method)) {
            throw new IllegalArgumentException("unknown client auth method " + method);
        }
        this.clientAuth = method;
        return this;
    }

    /** Each refresh issues a new refresh token and the used one dies at once (re-use: 400 invalid_grant). */
    public FakeOidc rotateRefreshTokens(boolean on) {
        this.rotateRefreshTokens = on;
        return this;
    }

    /** With rotation, re-using a spent refresh token also revokes its whole grant (RFC 9700 reuse detection). */
    public FakeOidc revokeFamilyOnReuse(boolean on) {
        this.revokeGrantOnReuse = on;
        return this;
    }

    /** RFC 9207: advertise {@code authorization_response_iss_parameter_supported} and send {@code iss}. */
    public FakeOidc authorizationResponseIss(boolean on) {
        this.issParameter = on;
        return this;
    }

    /** The issuer the metadata (and, with RFC 9207 on, the {@code iss} parameter) claims; null: the real one. */
    public FakeOidc advertiseIssuer(String issuer) {
        this.advertisedIssuer = issuer;
        return this;
    }

    /** Sends this {@code iss} in authorization responses instead of the advertised issuer (mix-up tests). */
    public FakeOidc issParameterOverride(String iss) {
        this.issParameterOverride = iss;
        return this;
    }

    public URI discoveryEndpoint() {
        return endpoint("/.well-known/openid-configuration");
    }

    public URI metadataEndpoint() {
        return endpoint("/.well-known/oauth-authorization-server");
    }

    @Override
    public URI authorizationEndpoint() {
        return endpoint("/authorize");
    }

    @Override
    public URI tokenEndpoint() {
        return endpoint("/token");
    }

    @Override
    public URI revocationEndpoint() {
        return endpoint("/revoke");
    }

    @Override
    public URI userinfoEndpoint() {
        return endpoint("/userinfo");
    }

    /** RFC 8628, advertised as {@code device_authorization_endpoint}. */
    public URI deviceAuthorizationEndpoint() {
        return endpoint("/device_authorization");
    }

    private String advertised() {
        String a = advertisedIssuer;
        return a != null ? a : issuer();
    }

    @Override
    protected List<String> requestedScopes(Map<String, String> params) {
        return split(params.get("scope"), " +");
    }

    @Override
    protected boolean loopbackAnyPort() {
        return true;
    }

    @Override
    protected Set<String> challengeMethods() {
        return Set.of("S256");
    }

    @Override
    protected void addAuthorizeResponseParams(Map<String, String> out) {
        if (issParameter) {
            String o = issParameterOverride;
            out.put("iss", o != null ? o : advertised());
        }
    }

    @Override
    protected Reuse refreshReuse() {
        return rotateRefreshTokens ? Reuse.SINGLE_USE : Reuse.REUSABLE;
    }

    /** How many times the discovery document was fetched. */
    public int discoveryRequests() {
        return discoveryRequests.get();
    }

    private Response metadata(Request request) {
        discoveryRequests.incrementAndGet();
        String method = clientAuth;
        return Response.json(200, obj(
                "issuer", advertised(),
                "authorization_endpoint", authorizationEndpoint().toString(),
                "token_endpoint", tokenEndpoint().toString(),
                "revocation_endpoint", revocationEndpoint().toString(),
                "userinfo_endpoint", userinfoEndpoint().toString(),
                "device_authorization_endpoint", deviceAuthorizationEndpoint().toString(),
                "response_types_supported", List.of("code"),
                "grant_types_supported", List.of("authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"),
                "code_challenge_methods_supported", List.of("S256"),
                "token_endpoint_auth_methods_supported", List.of(method),
                "revocation_endpoint_auth_methods_supported", List.of(method),
                "scopes_supported", List.of("openid", "email", "profile", "offline_access"),
                "subject_types_supported", List.of("public"),
                "id_token_signing_alg_values_supported", List.of("none"),
                "authorization_response_iss_parameter_supported", issParameter));
    }

    private static Response error(int status, String error, String description) {
        return Response.json(status, obj("error", error, "error_description", description)).with("Cache-Control", "no-store");
    }

    private static Response invalidClient(String description) {
        return error(401, "invalid_client", description).with("WWW-Authenticate", "Basic realm=\"fake-oidc\"");
    }

    /** Enforces the configured method; null when the client is authenticated. */
    private Rejected authenticate(Credentials c) {
        if (c.clientId() == null || !clientId.equals(c.clientId())) {
            return new Rejected(Problem.UNKNOWN_CLIENT, "unknown client");
        }
        String expected = switch (clientAuth) {
            case "client_secret_basic" -> "basic";
            case "client_secret_post" -> "post";
            default -> "none";
        };
        if (c.basicAndBody()) {
            return new Rejected(Problem.WRONG_AUTH_METHOD, "more than one client authentication method");
        }
        if (!expected.equals(c.method())) {
            return new Rejected(Problem.WRONG_AUTH_METHOD, "client authentication must be " + clientAuth + ", was " + c.method());
        }
        if (!"none".equals(expected) && !clientSecret.equals(c.secret())) {
            return new Rejected(Problem.BAD_SECRET, "bad client secret");
        }
        return null;
    }

    private Response token(Request request) {
        Map<String, String> p = request.form();
        Credentials c = credentials(request, p);
        Response failing = recordTokenRequest(request, p, c.method());
        if (failing != null) {
            return failing;
        }
        try {
            Rejected refused = authenticate(c);
            if (refused != null) {
                throw refused;
            }
            String grantType = p.get("grant_type");
            if (grantType == null) {
                throw new Rejected(Problem.INVALID_REQUEST, "grant_type is required");
            }
            return switch (grantType) {
                case "authorization_code" -> exchange(p);
                case "refresh_token" -> refresh(p);
                case "urn:ietf:params:oauth:grant-type:device_code" ->
                        deviceToken(p, g -> tokens(g, g.scopes.contains("offline_access") ? issueRefresh(g, "oidc-rt-", null) : null));
                default -> throw new Rejected(Problem.UNSUPPORTED_GRANT, grantType);
            };
        } catch (Rejected r) {
            return switch (r.problem) {
                case UNKNOWN_CLIENT, BAD_SECRET, WRONG_AUTH_METHOD -> invalidClient(r.detail);
                case INVALID_REQUEST -> error(400, "invalid_request", r.detail);
                case UNSUPPORTED_GRANT -> error(400, "unsupported_grant_type", r.detail);
                case INVALID_CODE, BAD_VERIFIER, REDIRECT_MISMATCH, INVALID_REFRESH -> error(400, "invalid_grant", r.detail);
            };
        }
    }

    private Response exchange(Map<String, String> p) throws Rejected {
        AuthCode code = redeemCode(p, clientId);
        Grant g = newGrant("", code.scopes(), code);
        RefreshToken rt = g.scopes.contains("offline_access") ? issueRefresh(g, "oidc-rt-", null) : null;
        return tokens(g, rt);
    }

    private Response refresh(Map<String, String> p) throws Rejected {
        RefreshToken used = redeemRefresh(p.get("refresh_token"), clientId);
        return tokens(used.grant, rotateRefreshTokens ? issueRefresh(used.grant, "oidc-rt-", null) : null);
    }

    private Response tokens(Grant g, RefreshToken rt) {
        Duration lifetime = accessTokenLifetime;
        AccessToken at = issueAccess(g, "oidc-at-", lifetime);
        Map<String, Object> body = obj("access_token", at.value, "token_type", "Bearer", "expires_in", seconds(lifetime));
        if (rt != null) {
            body.put("refresh_token", rt.value);
        }
        body.put("scope", String.join(" ", g.scopes));
        if (g.scopes.contains("openid")) {
            body.put("id_token", idToken(g));
        }
        return Response.json(200, body).with("Cache-Control", "no-store");
    }

    private Response revoke(Request request) {
        revokeCalls.incrementAndGet();
        Map<String, String> p = request.form();
        Rejected refused = authenticate(credentials(request, p));
        if (refused != null) {
            return invalidClient(refused.detail);
        }
        String token = p.get("token");
        if (token == null) {
            return error(400, "invalid_request", "token is required");
        }
        synchronized (lock) {
            RefreshToken rt = findRefresh(token);
            if (rt != null && rt.grant.clientId.equals(clientId)) {
                rt.grant.revoked = true;
            }
            AccessToken at = findAccess(token);
            if (at != null && at.grant.clientId.equals(clientId)) {
                at.revoked = true;
            }
        }
        return Response.empty(200);
    }

    private Response userinfo(Request request) {
        if (validBearer(request) == null) {
            return Response.json(401, obj("error", "invalid_token"))
                    .with("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        return Response.json(200, obj("sub", subject(), "email", email(), "preferred_username", username()));
    }
}
