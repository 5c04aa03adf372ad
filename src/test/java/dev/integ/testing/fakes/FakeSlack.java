package dev.integ.testing.fakes;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Slack OAuth v2 (PROVIDERS.md §1): exact redirect match, comma-separated scopes, every token-endpoint
 * error as HTTP 200 {@code {"ok":false,"error":…}}, the {@code authed_user} object, optional token
 * rotation with single-use {@code xoxe-1-} refresh tokens, and {@code auth.revoke} / {@code auth.test}
 * authenticated by bearer.
 *
 * <pre>{@code
 * try (FakeSlack slack = new FakeSlack("cid", "secret").rotation(true)) {
 *     slack.registerRedirect("http://localhost:3118/cb/slack");
 *     ... slack.authorizationEndpoint(), slack.tokenEndpoint() ...
 * }
 * }</pre>
 */
public final class FakeSlack extends FakeProvider {
    public static final Duration ROTATED_LIFETIME = Duration.ofSeconds(43200);
    public static final String APP_ID = "A1";
    public static final String TEAM_ID = "T123";
    public static final String TEAM_NAME = "Acme";
    public static final String USER_ID = "U123";
    public static final String BOT_USER_ID = "U0BOT";

    private volatile boolean rotation;
    private volatile boolean publicClient;
    private final FakeSlackApi api;

    public FakeSlack() {
        this("1234.5678", "slack-secret");
    }

    public FakeSlack(String clientId, String clientSecret) {
        this(clientId, clientSecret, new MutableClock());
    }

    public FakeSlack(String clientId, String clientSecret, Clock clock) {
        super(clientId, clientSecret, clock, ROTATED_LIFETIME);
        route("/oauth/v2/authorize", this::authorize, "GET");
        route("/api/oauth.v2.access", this::token, "POST");
        route("/api/auth.revoke", this::revoke, "POST", "GET");
        route("/api/auth.test", this::authTest, "POST", "GET");
        api = new FakeSlackApi(this);
    }

    /** The Web API methods beyond OAuth: chat.postMessage, conversations.list. */
    public FakeSlackApi api() {
        return api;
    }

    /** The API base URL integ's slack api-base-url points at. */
    public java.net.URI apiBase() {
        return endpoint("/api/");
    }

    /** Slack's answer to a call whose bearer token is missing, unknown, expired or revoked; null when it is valid. */
    Response refusedBearer(Request request) {
        String bearer = request.bearer();
        if (bearer == null) {
            return error("not_authed");
        }
        synchronized (lock) {
            AccessToken at = findAccess(bearer);
            if (at == null) {
                return error("invalid_auth");
            }
            String problem = accessProblem(at);
            return problem == null ? null : error("expired".equals(problem) ? "token_expired" : "token_revoked");
        }
    }

    @Override
    public FakeSlack registerRedirect(String uri) {
        super.registerRedirect(uri);
        return this;
    }

    /** Token rotation: expiring {@code xoxe.xoxp-} tokens with single-use {@code xoxe-1-} refresh tokens. */
    public FakeSlack rotation(boolean on) {
        this.rotation = on;
        return this;
    }

    /** A PKCE (public) app: the token endpoint needs no client_secret. */
    public FakeSlack publicClient(boolean on) {
        this.publicClient = on;
        return this;
    }

    @Override
    public URI authorizationEndpoint() {
        return endpoint("/oauth/v2/authorize");
    }

    @Override
    public URI tokenEndpoint() {
        return endpoint("/api/oauth.v2.access");
    }

    @Override
    public URI revocationEndpoint() {
        return endpoint("/api/auth.revoke");
    }

    /** {@code auth.test}, Slack's "who am I". */
    @Override
    public URI userinfoEndpoint() {
        return endpoint("/api/auth.test");
    }

    @Override
    protected List<String> requestedScopes(Map<String, String> params) {
        return Stream.concat(split(params.get("user_scope"), ",").stream(), split(params.get("scope"), ",").stream())
                .map(String::trim).toList();
    }

    @Override
    protected boolean loopbackAnyPort() {
        return false;
    }

    @Override
    protected boolean responseTypeRequired() {
        return false;
    }

    @Override
    protected String defaultRedirect() {
        List<String> registered = registeredRedirects();
        return registered.isEmpty() ? null : registered.get(0);
    }

    @Override
    protected Reuse refreshReuse() {
        return Reuse.SINGLE_USE;
    }

    @Override
    protected Response unavailable(int status, Duration retryAfter) {
        Response r = Response.json(status, obj("ok", false, "error", status == 429 ? "ratelimited" : "fatal_error"));
        return retryAfter == null ? r : r.with("Retry-After", Long.toString(retryAfter.toSeconds()));
    }

    private static Response ok(Map<String, Object> body) {
        return Response.json(200, body);
    }

    static Response error(String code) {
        return Response.json(200, obj("ok", false, "error", code));
    }

    private Response token(Request request) {
        Map<String, String> p = request.params();
        Credentials c = credentials(request, p);
        Response failing = recordTokenRequest(request, p, c.method());
        if (failing != null) {
            return failing;
        }
        try {
            if (c.clientId() == null || !clientId.equals(c.clientId())) {
                throw new Rejected(Problem.UNKNOWN_CLIENT, "client_id");
            }
            if (c.secret() == null ? !publicClient : !c.secret().equals(clientSecret)) {
                throw new Rejected(Problem.BAD_SECRET, "client_secret");
            }
            String grantType = p.getOrDefault("grant_type", "authorization_code");
            return switch (grantType) {
                case "authorization_code" -> exchange(p);
                case "refresh_token" -> refresh(p);
                default -> throw new Rejected(Problem.UNSUPPORTED_GRANT, grantType);
            };
        } catch (Rejected r) {
            return error(switch (r.problem) {
                case UNKNOWN_CLIENT -> "invalid_client_id";
                case BAD_SECRET, WRONG_AUTH_METHOD -> "bad_client_secret";
                case INVALID_CODE -> "invalid_code";
                case REDIRECT_MISMATCH -> "bad_redirect_uri";
                case BAD_VERIFIER -> "invalid_code_verifier";
                case INVALID_REFRESH -> "invalid_refresh_token";
                case UNSUPPORTED_GRANT -> "invalid_grant_type";
                case INVALID_REQUEST -> p.containsKey("refresh_token") || "refresh_token".equals(p.get("grant_type"))
                        ? "invalid_refresh_token" : "invalid_code";
            });
        }
    }

    private Response exchange(Map<String, String> p) throws Rejected {
        AuthCode code = redeemCode(p, clientId);
        List<String> userAsked = split(code.authorizeParams().get("user_scope"), ",");
        List<String> botAsked = split(code.authorizeParams().get("scope"), ",");
        List<String> userScopes = code.scopes().stream().filter(userAsked::contains).toList();
        List<String> botScopes = code.scopes().stream().filter(botAsked::contains).toList();
        boolean rotating = rotation;
        Duration lifetime = rotating ? accessTokenLifetime : null;

        Map<String, Object> body = obj("ok", true, "app_id", APP_ID);
        Map<String, Object> user = obj("id", USER_ID);
        if (!userScopes.isEmpty()) {
            Grant g = newGrant("user", userScopes, code);
            AccessToken at = issueAccess(g, rotating ? "xoxe.xoxp-1-" : "xoxp-1-", lifetime);
            user.put("scope", String.join(",", userScopes));
            user.put("access_token", at.value);
            user.put("token_type", "user");
            if (rotating) {
                user.put("refresh_token", issueRefresh(g, "xoxe-1-", null).value);
                user.put("expires_in", seconds(lifetime));
            }
        }
        body.put("authed_user", user);
        if (!botScopes.isEmpty()) {
            Grant g = newGrant("bot", botScopes, code);
            AccessToken at = issueAccess(g, rotating ? "xoxe.xoxb-1-" : "xoxb-1-", lifetime);
            body.put("scope", String.join(",", botScopes));
            body.put("token_type", "bot");
            body.put("access_token", at.value);
            body.put("bot_user_id", BOT_USER_ID);
            if (rotating) {
                body.put("refresh_token", issueRefresh(g, "xoxe-1-", null).value);
                body.put("expires_in", seconds(lifetime));
            }
        }
        body.put("team", obj("id", TEAM_ID, "name", TEAM_NAME));
        body.put("enterprise", null);
        body.put("is_enterprise_install", false);
        return ok(body);
    }

    private Response refresh(Map<String, String> p) throws Rejected {
        RefreshToken used = redeemRefresh(p.get("refresh_token"), clientId);
        Grant g = used.grant;
        boolean bot = "bot".equals(g.kind);
        Duration lifetime = accessTokenLifetime;
        AccessToken at = issueAccess(g, bot ? "xoxe.xoxb-1-" : "xoxe.xoxp-1-", lifetime);
        RefreshToken next = issueRefresh(g, "xoxe-1-", null);
        return ok(obj("ok", true, "access_token", at.value, "refresh_token", next.value,
                "expires_in", seconds(lifetime), "token_type", g.kind, "scope", String.join(",", g.scopes)));
    }

    private Response revoke(Request request) {
        revokeCalls.incrementAndGet();
        Map<String, String> p = request.params();
        String bearer = request.bearer();
        if (bearer == null) {
            return error(p.containsKey("token") ? "not_bearer_token" : "not_authed");
        }
        synchronized (lock) {
            AccessToken at = findAccess(bearer);
            if (at == null) {
                return error("invalid_auth");
            }
            String problem = accessProblem(at);
            if (problem != null) {
                return error("expired".equals(problem) ? "token_expired" : "token_revoked");
            }
            String test = p.get("test");
            if ("1".equals(test) || "true".equalsIgnoreCase(test)) {
                return ok(obj("ok", true, "revoked", false));
            }
            at.grant.revoked = true;
            return ok(obj("ok", true, "revoked", true));
        }
    }

    private Response authTest(Request request) {
        String bearer = request.bearer();
        if (bearer == null) {
            return error("not_authed");
        }
        synchronized (lock) {
            AccessToken at = findAccess(bearer);
            if (at == null) {
                return error("invalid_auth");
            }
            String problem = accessProblem(at);
            if (problem != null) {
                return error("expired".equals(problem) ? "token_expired" : "token_revoked");
            }
            boolean bot = "bot".equals(at.grant.kind);
            Map<String, Object> body = obj("ok", true, "url", "https://acme.slack.com/", "team", TEAM_NAME,
                    "user", bot ? "integ" : username(), "team_id", TEAM_ID, "user_id", bot ? BOT_USER_ID : USER_ID);
            if (bot) {
                body.put("bot_id", "B0BOT");
            }
            body.put("is_enterprise_install", false);
            return ok(body);
        }
    }
}
