package dev.integ.testing.fakes;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Google's desktop-app OAuth (PROVIDERS.md §2): any loopback redirect port, S256 and plain PKCE
 * (plain when the method is omitted), a form-encoded token endpoint answering 400 {@code invalid_grant},
 * refresh tokens only for {@code access_type=offline} and never re-issued on refresh, the 7-day
 * testing-mode expiry, {@code /revoke} answering 200 {@code {}} or 400, and the OIDC userinfo endpoint.
 * {@code /drive/v3/about} (which requires {@code fields}) is there too, as an account lookup.
 */
public final class FakeGoogle extends FakeProvider {
    public static final Duration ACCESS_LIFETIME = Duration.ofSeconds(3599);
    public static final Duration TESTING_REFRESH_LIFETIME = Duration.ofDays(7);

    private volatile boolean testingMode;

    public FakeGoogle() {
        this("123-abc.apps.googleusercontent.com", "GOCSPX-secret");
    }

    public FakeGoogle(String clientId, String clientSecret) {
        this(clientId, clientSecret, new MutableClock());
    }

    public FakeGoogle(String clientId, String clientSecret, Clock clock) {
        super(clientId, clientSecret, clock, ACCESS_LIFETIME);
        route("/o/oauth2/v2/auth", this::authorize, "GET");
        route("/token", this::token, "POST");
        route("/revoke", this::revoke, "POST");
        route("/v1/userinfo", this::userinfo, "GET", "POST");
        route("/drive/v3/about", this::about, "GET");
        route("/device/code", this::deviceAuthorization, "POST");
    }

    @Override
    public FakeGoogle registerRedirect(String uri) {
        super.registerRedirect(uri);
        return this;
    }

    /** Testing publishing status: refresh tokens issued from now on die 7 days after issue. */
    public FakeGoogle testingMode(boolean on) {
        this.testingMode = on;
        return this;
    }

    @Override
    public URI authorizationEndpoint() {
        return endpoint("/o/oauth2/v2/auth");
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
        return endpoint("/v1/userinfo");
    }

    public URI aboutEndpoint() {
        return endpoint("/drive/v3/about");
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
    protected String codePrefix() {
        return "4/0A";
    }

    private static Response error(int status, String error, String description) {
        return Response.json(status, obj("error", error, "error_description", description)).with("Cache-Control", "no-store");
    }

    private Response token(Request request) {
        Map<String, String> p = request.form();
        Credentials c = credentials(request, p);
        Response failing = recordTokenRequest(request, p, c.method());
        if (failing != null) {
            return failing;
        }
        try {
            if (c.clientId() == null || !clientId.equals(c.clientId())) {
                throw new Rejected(Problem.UNKNOWN_CLIENT, "client");
            }
            if (c.secret() != null && !c.secret().equals(clientSecret)) {
                throw new Rejected(Problem.BAD_SECRET, "secret");
            }
            String grantType = p.get("grant_type");
            if (grantType == null) {
                throw new Rejected(Problem.INVALID_REQUEST, "Missing required parameter: grant_type");
            }
            return switch (grantType) {
                case "authorization_code" -> exchange(p);
                case "refresh_token" -> refresh(p);
                case "urn:ietf:params:oauth:grant-type:device_code" -> deviceToken(p, this::deviceTokens);
                default -> throw new Rejected(Problem.UNSUPPORTED_GRANT, "Invalid grant_type: " + grantType);
            };
        } catch (Rejected r) {
            return switch (r.problem) {
                case UNKNOWN_CLIENT -> error(401, "invalid_client", "The OAuth client was not found.");
                case BAD_SECRET, WRONG_AUTH_METHOD -> error(401, "invalid_client", "Unauthorized");
                case INVALID_REQUEST -> error(400, "invalid_request", r.detail);
                case UNSUPPORTED_GRANT -> error(400, "unsupported_grant_type", r.detail);
                case INVALID_CODE, BAD_VERIFIER -> error(400, "invalid_grant", "Bad Request");
                case REDIRECT_MISMATCH -> error(400, "redirect_uri_mismatch", "Bad Request");
                case INVALID_REFRESH -> error(400, "invalid_grant", "Token has been expired or revoked.");
            };
        }
    }

    private Response exchange(Map<String, String> p) throws Rejected {
        AuthCode code = redeemCode(p, clientId);
        Grant g = newGrant("", code.scopes(), code);
        Duration lifetime = accessTokenLifetime;
        AccessToken at = issueAccess(g, "ya29.a0", lifetime);
        Map<String, Object> body = obj("access_token", at.value, "expires_in", seconds(lifetime));
        if ("offline".equals(code.authorizeParams().get("access_type"))) {
            body.put("refresh_token", issueRefresh(g, "1//0g", testingMode ? TESTING_REFRESH_LIFETIME : null).value);
        }
        body.put("scope", String.join(" ", g.scopes));
        body.put("token_type", "Bearer");
        if (g.scopes.contains("openid")) {
            body.put("id_token", idToken(g));
        }
        return Response.json(200, body).with("Cache-Control", "no-store");
    }

    /** A device sign-in always gets a refresh token (there is no access_type to ask for one). */
    private Response deviceTokens(Grant g) {
        Duration lifetime = accessTokenLifetime;
        AccessToken at = issueAccess(g, "ya29.a0", lifetime);
        Map<String, Object> body = obj("access_token", at.value, "expires_in", seconds(lifetime), "scope", String.join(" ", g.scopes),
                "token_type", "Bearer", "refresh_token", issueRefresh(g, "1//0g", testingMode ? TESTING_REFRESH_LIFETIME : null).value);
        if (g.scopes.contains("openid")) {
            body.put("id_token", idToken(g));
        }
        return Response.json(200, body).with("Cache-Control", "no-store");
    }

    /** RFC 8628's device authorization endpoint, at Google's path. */
    public URI deviceAuthorizationEndpoint() {
        return endpoint("/device/code");
    }

    @Override
    protected String verificationField() {
        return "verification_url";
    }

    @Override
    protected boolean verificationUriComplete() {
        return false;
    }

    private Response refresh(Map<String, String> p) throws Rejected {
        RefreshToken rt = redeemRefresh(p.get("refresh_token"), clientId);
        Duration lifetime = accessTokenLifetime;
        AccessToken at = issueAccess(rt.grant, "ya29.a0", lifetime);
        Map<String, Object> body = obj("access_token", at.value, "expires_in", seconds(lifetime),
                "scope", String.join(" ", rt.grant.scopes), "token_type", "Bearer");
        if (rt.grant.scopes.contains("openid")) {
            body.put("id_token", idToken(rt.grant));
        }
        return Response.json(200, body).with("Cache-Control", "no-store");
    }

    private Response revoke(Request request) {
        revokeCalls.incrementAndGet();
        String token = request.params().get("token");
        synchronized (lock) {
            AccessToken at = findAccess(token);
            RefreshToken rt = findRefresh(token);
            Grant grant = null;
            if (at != null && accessProblem(at) == null) {
                grant = at.grant;
            } else if (rt != null && refreshTokenUsable(rt.value)) {
                grant = rt.grant;
            }
            if (grant == null) {
                return error(400, "invalid_token", "Token expired or revoked");
            }
            grant.revoked = true;
            return Response.json(200, Map.of());
        }
    }

    private Response userinfo(Request request) {
        if (validBearer(request) == null) {
            return error(401, "invalid_request", "Invalid Credentials")
                    .with("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
        }
        return Response.json(200, obj("sub", subject(), "email", email(), "email_verified", true));
    }

    private Response about(Request request) {
        if (validBearer(request) == null) {
            return Response.json(401, obj("error", obj("code", 401,
                    "message", "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                    "errors", List.of(obj("message", "Invalid Credentials", "domain", "global", "reason", "authError",
                            "location", "Authorization", "locationType", "header")),
                    "status", "UNAUTHENTICATED")));
        }
        if (request.query().get("fields") == null) {
            return Response.json(400, obj("error", obj("code", 400,
                    "message", "The 'fields' parameter is required for this method.",
                    "errors", List.of(obj("message", "The 'fields' parameter is required for this method.",
                            "domain", "global", "reason", "required", "location", "fields", "locationType", "parameter")))));
        }
        return Response.json(200, obj("user", obj("kind", "drive#user", "displayName", displayName(),
                "emailAddress", email(), "me", true, "permissionId", subject())));
    }
}
