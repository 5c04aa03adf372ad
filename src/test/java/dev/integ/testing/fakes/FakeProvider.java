package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An OAuth 2.0 authorization server served over real HTTP on {@code 127.0.0.1}, port chosen by the
 * system. The shared machinery lives here: the authorize endpoint, single-use codes bound to client,
 * redirect URI, scopes and PKCE challenge, the book of issued tokens and grants, the failure
 * switches, and what every request looked like. Each subclass adds its provider's token endpoint,
 * error shapes and account lookup, following docs/…/PROVIDERS.md.
 *
 * <p>Time is read from an injected {@link Clock} (a {@link MutableClock} by default), never from the
 * wall clock. All state changes happen under one lock, so concurrent token requests are safe: of eight
 * threads redeeming the same single-use refresh token, exactly one wins.
 */
public abstract class FakeProvider implements AutoCloseable {
    /** Authorization codes die this long after they are issued (on the fake clock). */
    public static final Duration CODE_LIFETIME = Duration.ofMinutes(10);

    protected static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        noDelay();
    }

    /**
     * The JDK server writes a response's headers and body separately; with Nagle's algorithm on, the
     * body waits for the client's delayed ACK (~40 ms a request). The property is read once, when the
     * first HttpServer of the JVM starts, so set it before that unless someone chose otherwise.
     */
    static void noDelay() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Why a request was refused; each provider turns it into its own error shape. */
    protected enum Problem {
        UNKNOWN_CLIENT, BAD_SECRET, WRONG_AUTH_METHOD, INVALID_REQUEST, UNSUPPORTED_GRANT,
        INVALID_CODE, REDIRECT_MISMATCH, BAD_VERIFIER, INVALID_REFRESH
    }

    /** Thrown inside a handler to refuse a request; {@code detail} is for humans only. */
    protected static final class Rejected extends Exception {
        final Problem problem;
        final String detail;

        Rejected(Problem problem, String detail) {
            super(problem + ": " + detail, null, false, false);
            this.problem = problem;
            this.detail = detail;
        }
    }

    /** How a refresh token may be used again after its first redemption. */
    protected enum Reuse { REUSABLE, SINGLE_USE, LEEWAY }

    /** An authorization code and everything it is bound to. */
    protected record AuthCode(String code, String clientId, String redirectUri, List<String> scopes,
                              String challenge, String challengeMethod, Instant issuedAt,
                              Map<String, String> authorizeParams) {
    }

    /** One consent: the tokens issued from it share its scopes and its revocation. */
    protected static final class Grant {
        final String clientId;
        final String kind;
        final List<String> scopes;
        final Instant createdAt;
        final Map<String, String> authorizeParams;
        boolean revoked;

        Grant(String clientId, String kind, List<String> scopes, Instant createdAt, Map<String, String> authorizeParams) {
            this.clientId = clientId;
            this.kind = kind;
            this.scopes = List.copyOf(scopes);
            this.createdAt = createdAt;
            this.authorizeParams = authorizeParams;
        }
    }

    protected static final class AccessToken {
        final String value;
        final Grant grant;
        final Instant issuedAt;
        final Instant expiresAt; // null: never
        boolean revoked;

        AccessToken(String value, Grant grant, Instant issuedAt, Instant expiresAt) {
            this.value = value;
            this.grant = grant;
            this.issuedAt = issuedAt;
            this.expiresAt = expiresAt;
        }
    }

    protected static final class RefreshToken {
        final String value;
        final Grant grant;
        final Instant issuedAt;
        final Instant expiresAt; // null: never
        Instant firstUsedAt;
        boolean revoked;
        boolean expiredByTest;

        RefreshToken(String value, Grant grant, Instant issuedAt, Instant expiresAt) {
            this.value = value;
            this.grant = grant;
            this.issuedAt = issuedAt;
            this.expiresAt = expiresAt;
        }
    }

    /** Who the client said it was, and how: "basic", "post" or "none". */
    protected record Credentials(String clientId, String secret, String method, boolean basicAndBody) {
    }

    /** A request as the handlers see it. */
    protected static final class Request {
        final String method;
        final URI uri;
        final Headers headers;
        final byte[] body;

        Request(String method, URI uri, Headers headers, byte[] body) {
            this.method = method;
            this.uri = uri;
            this.headers = headers;
            this.body = body;
        }

        String path() {
            return uri.getPath();
        }

        Map<String, String> query() {
            return parseForm(uri.getRawQuery());
        }

        Map<String, String> form() {
            return parseForm(text());
        }

        /** Query and form parameters together, the form winning. */
        Map<String, String> params() {
            Map<String, String> all = new LinkedHashMap<>(query());
            all.putAll(form());
            return all;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.getFirst(name);
        }

        /** The token of an {@code Authorization: Bearer} header, or null. */
        String bearer() {
            String auth = header("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return auth.substring(7).trim();
            }
            return null;
        }

        /** {id, secret} of an {@code Authorization: Basic} header (each form-decoded), or null. */
        String[] basic() {
            String auth = header("Authorization");
            if (auth == null || !auth.regionMatches(true, 0, "Basic ", 0, 6)) {
                return null;
            }
            try {
                String decoded = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    return null;
                }
                return new String[] {formDecode(decoded.substring(0, colon)), formDecode(decoded.substring(colon + 1))};
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    /** An answer: status, headers, body. */
    protected record Response(int status, Map<String, String> headers, byte[] body) {
        static Response json(int status, Object value) {
            try {
                Map<String, String> h = new LinkedHashMap<>();
                h.put("Content-Type", "application/json; charset=utf-8");
                return new Response(status, h, JSON.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Response html(int status, String html) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Content-Type", "text/html; charset=utf-8");
            return new Response(status, h, html.getBytes(StandardCharsets.UTF_8));
        }

        static Response redirect(String location) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Location", location);
            return new Response(302, h, new byte[0]);
        }

        static Response empty(int status) {
            return new Response(status, new LinkedHashMap<>(), new byte[0]);
        }

        Response with(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Response(status, h, body);
        }
    }

    @FunctionalInterface
    protected interface Handler {
        Response handle(Request request) throws Exception;
    }

    private record Route(Set<String> methods, Handler handler) {
    }

    protected final String clientId;
    protected final String clientSecret;
    protected final Clock clock;
    /** Guards every piece of token, code and grant state below. */
    protected final Object lock = new Object();

    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<String, Route> prefixRoutes = new ConcurrentHashMap<>();
    private final ExecutorService executor;
    private final int port;
    private volatile HttpServer server;

    private final Set<String> registeredRedirects = Collections.synchronizedSet(new LinkedHashSet<>());
    private final Map<String, AuthCode> codes = new HashMap<>();
    private final List<String> everyCode = new ArrayList<>();
    private final List<String> everyIdToken = new ArrayList<>();
    private final Map<String, AccessToken> accessTokens = new LinkedHashMap<>();
    private final Map<String, RefreshToken> refreshTokens = new LinkedHashMap<>();
    private final List<Grant> grants = new ArrayList<>();
    private String latestAccess;
    private String latestRefresh;

    private final List<Map<String, String>> authorizeRequests = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();
    private final List<Throwable> handlerErrors = new CopyOnWriteArrayList<>();
    private volatile Map<String, List<String>> lastTokenHeaders = Map.of();
    protected final AtomicInteger codeGrants = new AtomicInteger();
    protected final AtomicInteger refreshGrants = new AtomicInteger();
    protected final AtomicInteger revokeCalls = new AtomicInteger();

    private final RefreshLedger ledger = new RefreshLedger();
    private final Map<String, AnswerGate> gates = new ConcurrentHashMap<>();
    private final Map<String, AnswerGate> pathGates = new ConcurrentHashMap<>();
    /** The request being answered on this thread: who sent it, and which refresh token it redeemed. */
    private static final ThreadLocal<Call> CALL = new ThreadLocal<>();

    private static final class Call {
        final String caller;
        int redemption = -1;

        Call(String caller) {
            this.caller = caller;
        }
    }

    private final AtomicBoolean denyNext = new AtomicBoolean();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 503;
    private volatile Duration failureRetryAfter;
    private volatile boolean down;
    private volatile boolean requirePkce;
    private volatile Set<String> grantOnly;
    protected volatile Duration accessTokenLifetime;
    protected volatile boolean revokeGrantOnReuse;

    private volatile String subject = "1029384756";
    private volatile String email = "alice@example.com";
    private volatile String username = "alice";
    private volatile String displayName = "Alice Example";

    protected FakeProvider(String clientId, String clientSecret, Clock clock, Duration accessTokenLifetime) {
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.clientSecret = clientSecret;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.accessTokenLifetime = accessTokenLifetime;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, getClass().getSimpleName() + "-http");
            t.setDaemon(true);
            return t;
        });
        try {
            this.server = listen(0);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException(e);
        }
        this.port = server.getAddress().getPort();
    }

    private HttpServer listen(int onPort) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), onPort), 64);
        s.setExecutor(executor);
        s.createContext("/", this::dispatch);
        s.start();
        return s;
    }

    // ---------------------------------------------------------------- endpoints and identity

    /** {@code http://127.0.0.1:PORT/}, with the trailing slash. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    public int port() {
        return port;
    }

    /** The base URI without its trailing slash: what an OIDC issuer and id_token {@code iss} say. */
    public String issuer() {
        String base = baseUri().toString();
        return base.substring(0, base.length() - 1);
    }

    public abstract URI authorizationEndpoint();

    public abstract URI tokenEndpoint();

    /** Null when the provider has none (Atlassian). */
    public abstract URI revocationEndpoint();

    /** The account-lookup endpoint, or null. */
    public URI userinfoEndpoint() {
        return null;
    }

    /** Atlassian's accessible-resources endpoint, or null. */
    public URI resourcesEndpoint() {
        return null;
    }

    protected URI endpoint(String path) {
        return baseUri().resolve(path);
    }

    public String clientId() {
        return clientId;
    }

    public String clientSecret() {
        return clientSecret;
    }

    public Clock clock() {
        return clock;
    }

    /** Adds a redirect URI that matches exactly (byte for byte). */
    public FakeProvider registerRedirect(String uri) {
        registeredRedirects.add(Objects.requireNonNull(uri, "uri"));
        return this;
    }

    public List<String> registeredRedirects() {
        synchronized (registeredRedirects) {
            return List.copyOf(registeredRedirects);
        }
    }

    /** The account the fake user signs in as. */
    public FakeProvider account(String subject, String email, String username, String displayName) {
        this.subject = Objects.requireNonNull(subject);
        this.email = Objects.requireNonNull(email);
        this.username = Objects.requireNonNull(username);
        this.displayName = Objects.requireNonNull(displayName);
        return this;
    }

    public FakeProvider email(String email) {
        this.email = Objects.requireNonNull(email);
        return this;
    }

    protected String subject() {
        return subject;
    }

    protected String email() {
        return email;
    }

    protected String username() {
        return username;
    }

    protected String displayName() {
        return displayName;
    }

    // ---------------------------------------------------------------- switches

    /** The user declines the next consent screen: the redirect carries {@code error=access_denied}. */
    public FakeProvider denyNext() {
        denyNext.set(true);
        return this;
    }

    /** Refuse an authorize request without {@code code_challenge}. */
    public FakeProvider requirePkce(boolean required) {
        this.requirePkce = required;
        return this;
    }

    /** Grant only the requested scopes that are also in {@code scopes}; null grants all requested. */
    public FakeProvider grantOnly(Set<String> scopes) {
        this.grantOnly = scopes == null ? null : Set.copyOf(scopes);
        return this;
    }

    /** Overrides how long newly issued access tokens live. */
    public FakeProvider accessTokenLifetime(Duration lifetime) {
        this.accessTokenLifetime = lifetime;
        return this;
    }

    /** The next {@code n} token-endpoint calls answer {@code status} (e.g. 500, 503, 429). */
    public FakeProvider failNextTokenCalls(int n, int status) {
        return failNextTokenCalls(n, status, null);
    }

    /** As {@link #failNextTokenCalls(int, int)}, with a {@code Retry-After} header in whole seconds. */
    public FakeProvider failNextTokenCalls(int n, int status, Duration retryAfter) {
        this.failureStatus = status;
        this.failureRetryAfter = retryAfter;
        this.failuresLeft.set(n);
        return this;
    }

    /** Every endpoint answers 503 until {@link #up()}. */
    public FakeProvider down() {
        this.down = true;
        return this;
    }

    public FakeProvider up() {
        this.down = false;
        return this;
    }

    /** Closes the listening socket: connections are refused until {@link #resumeListening()}. */
    public FakeProvider stopListening() {
        HttpServer s = server;
        if (s != null) {
            server = null;
            s.stop(0);
        }
        return this;
    }

    /** Listens again on the same port. */
    public FakeProvider resumeListening() {
        if (server == null) {
            try {
                server = listen(port);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    /** Every refresh token issued so far stops working, the way an expiry would. */
    public FakeProvider expireAllRefreshTokens() {
        synchronized (lock) {
            refreshTokens.values().forEach(r -> r.expiredByTest = true);
        }
        return this;
    }

    /** The user removes the app's access: every grant so far, with all its tokens, is revoked. */
    public FakeProvider revokeGrant() {
        synchronized (lock) {
            grants.forEach(g -> g.revoked = true);
        }
        return this;
    }

    // ---------------------------------------------------------------- observations

    public List<Map<String, String>> authorizeRequests() {
        return List.copyOf(authorizeRequests);
    }

    /** Parsed body parameters of each token request, plus an "auth" entry: basic, post or none. */
    public List<Map<String, String>> tokenRequests() {
        return List.copyOf(tokenRequests);
    }

    public Map<String, List<String>> lastTokenRequestHeaders() {
        return lastTokenHeaders;
    }

    /** Successful authorization_code exchanges. */
    public int codeGrants() {
        return codeGrants.get();
    }

    /** Successful refresh_token grants (Atlassian re-use within the leeway counts too). */
    public int refreshGrants() {
        return refreshGrants.get();
    }

    /** Calls to the revocation endpoint, whatever their outcome. */
    public int revokeCalls() {
        return revokeCalls.get();
    }

    /** Exceptions thrown by handlers (answered as 500): a bug in the fake if not empty. */
    public List<Throwable> handlerErrors() {
        return List.copyOf(handlerErrors);
    }

    public boolean isAccessTokenValid(String token) {
        synchronized (lock) {
            AccessToken at = accessTokens.get(token);
            return at != null && accessProblem(at) == null;
        }
    }

    /** The newest refresh token issued, or null. */
    /** Every access token, refresh token and authorization code this fake ever issued: for secret scans. */
    public List<String> issuedSecrets() {
        synchronized (lock) {
            List<String> all = new ArrayList<>(accessTokens.keySet());
            all.addAll(refreshTokens.keySet());
            all.addAll(everyCode);
            all.addAll(everyIdToken);
            all.addAll(deviceCodes.keySet());
            return all;
        }
    }

    public String latestRefreshToken() {
        synchronized (lock) {
            return latestRefresh;
        }
    }

    /** The newest access token issued, or null. */
    public String latestAccessToken() {
        synchronized (lock) {
            return latestAccess;
        }
    }

    /** Whether a refresh with this token would succeed right now (ignores failure switches). */
    public boolean refreshTokenUsable(String token) {
        synchronized (lock) {
            return refreshProblem(refreshTokens.get(token), clientId) == null;
        }
    }

    /** Scopes of the grant behind a token (access or refresh), or empty if unknown. */
    public List<String> scopesOf(String token) {
        synchronized (lock) {
            AccessToken at = accessTokens.get(token);
            if (at != null) {
                return at.grant.scopes;
            }
            RefreshToken rt = refreshTokens.get(token);
            return rt == null ? List.of() : rt.grant.scopes;
        }
    }

    // ---------------------------------------------------------------- the refresh ledger

    /**
     * The query parameter that names who sends a request: give each process a token endpoint URL ending
     * in {@code ?caller=NAME} and the {@link #ledger()} says which process redeemed which refresh token.
     */
    public static final String CALLER_PARAMETER = "caller";

    /** Every refresh token issued and every time one was presented, by number, never by value. */
    public RefreshLedger ledger() {
        return ledger;
    }

    /** What the ledger knows about a refresh token (with its grant's state now), or empty if this fake never issued it. */
    public Optional<RefreshLedger.TokenFacts> refreshTokenFacts(String token) {
        synchronized (lock) {
            return ledger.facts(token);
        }
    }

    /** Numbers of the grants that are dead (revoked by a test, by revocation, or by reuse detection). */
    public List<Integer> revokedGrants() {
        synchronized (lock) {
            return ledger.revokedGrants();
        }
    }

    /**
     * Holds the answer to the next request from {@code caller} that redeems a refresh token, until the
     * gate is released: the token is spent and its successor issued, but the client waits for the news.
     */
    public AnswerGate holdAnswerAfterRedemption(String caller) {
        AnswerGate gate = new AnswerGate();
        gates.put(Objects.requireNonNull(caller, "caller"), gate);
        return gate;
    }

    /** Holds the answer to the next request on {@code path} (e.g. the userinfo endpoint's) until the gate is released. */
    public AnswerGate holdNextAnswer(String path) {
        AnswerGate gate = new AnswerGate();
        pathGates.put(path, gate);
        return gate;
    }

    private static String caller() {
        Call call = CALL.get();
        return call == null ? null : call.caller;
    }

    // ---------------------------------------------------------------- for subclasses: routing

    protected void route(String path, Handler handler, String... methods) {
        routes.put(path, new Route(Set.of(methods), handler));
    }

    protected void routePrefix(String prefix, Handler handler, String... methods) {
        prefixRoutes.put(prefix, new Route(Set.of(methods), handler));
    }

    private void dispatch(HttpExchange exchange) {
        try {
            Response response;
            try {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                Request request = new Request(exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                        exchange.getRequestURI(), exchange.getRequestHeaders(), body);
                Call call = new Call(request.query().get(CALLER_PARAMETER));
                CALL.set(call);
                response = down ? unavailable(503, null) : answer(request);
                AnswerGate gate = call.redemption >= 0 && call.caller != null ? gates.remove(call.caller) : null;
                if (gate != null) {
                    gate.hold();
                }
                AnswerGate pathGate = pathGates.remove(exchange.getRequestURI().getPath());
                if (pathGate != null) {
                    pathGate.hold();
                }
            } catch (Exception | AssertionError e) {
                handlerErrors.add(e);
                response = Response.json(500, Map.of("error", "fake_provider_bug", "error_description", String.valueOf(e)));
            }
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            boolean noBody = response.body().length == 0;
            exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        } finally {
            CALL.remove();
            exchange.close();
        }
    }

    private Response answer(Request request) throws Exception {
        Route route = routes.get(request.path());
        if (route == null) {
            for (Map.Entry<String, Route> e : prefixRoutes.entrySet()) {
                if (request.path().startsWith(e.getKey())) {
                    route = e.getValue();
                    break;
                }
            }
        }
        if (route == null) {
            return Response.json(404, Map.of("error", "not_found", "path", request.path()));
        }
        if (!route.methods().contains(request.method)) {
            return Response.empty(405).with("Allow", String.join(", ", route.methods()));
        }
        return route.handler().handle(request);
    }

    /** The provider's answer when it is down or failing on purpose. */
    protected Response unavailable(int status, Duration retryAfter) {
        Response r = Response.json(status, Map.of("error", status == 429 ? "rate_limited" : "temporarily_unavailable"));
        return retryAfter == null ? r : r.with("Retry-After", Long.toString(retryAfter.toSeconds()));
    }

    /**
     * Records a token request and, if a failure was asked for, returns the failure to answer with.
     * Every token handler calls this first.
     */
    protected Response recordTokenRequest(Request request, Map<String, String> params, String auth) {
        Map<String, String> seen = new LinkedHashMap<>(params);
        seen.put("auth", auth);
        tokenRequests.add(Collections.unmodifiableMap(seen));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.headers.forEach((k, v) -> headers.put(k, List.copyOf(v)));
        lastTokenHeaders = Collections.unmodifiableMap(headers);
        if (failuresLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            return unavailable(failureStatus, failureRetryAfter);
        }
        return null;
    }

    /** Client credentials from Basic (preferred) or the body. */
    protected static Credentials credentials(Request request, Map<String, String> body) {
        String[] basic = request.basic();
        if (basic != null) {
            return new Credentials(basic[0], basic[1], "basic", body.containsKey("client_secret"));
        }
        String secret = body.get("client_secret");
        return new Credentials(body.get("client_id"), secret, secret != null ? "post" : "none", false);
    }

    // ---------------------------------------------------------------- for subclasses: authorize

    /** Scopes asked for, in order, from the authorize parameters. */
    protected abstract List<String> requestedScopes(Map<String, String> params);

    /** Whether any loopback redirect (any port) is accepted besides the registered ones. */
    protected abstract boolean loopbackAnyPort();

    protected boolean supportsPkce() {
        return true;
    }

    protected Set<String> challengeMethods() {
        return Set.of("S256", "plain");
    }

    protected boolean responseTypeRequired() {
        return true;
    }

    /** Used when the authorize request has no redirect_uri; null means it is required. */
    protected String defaultRedirect() {
        return null;
    }

    /** A provider-specific refusal (shown as a page), or null. Called after client and redirect pass. */
    protected Response checkAuthorize(Map<String, String> params) {
        return null;
    }

    /** Extra parameters for a successful authorize redirect (e.g. {@code iss}). */
    protected void addAuthorizeResponseParams(Map<String, String> out) {
    }

    protected boolean redirectAllowed(String uri) {
        return registeredRedirects.contains(uri) || (loopbackAnyPort() && isLoopback(uri));
    }

    static boolean isLoopback(String uri) {
        try {
            URI u = new URI(uri);
            String host = u.getHost();
            return "http".equals(u.getScheme()) && u.getFragment() == null && u.getUserInfo() == null
                    && ("127.0.0.1".equals(host) || "[::1]".equals(host) || "localhost".equals(host));
        } catch (Exception e) {
            return false;
        }
    }

    protected Response authorize(Request request) {
        Map<String, String> p = request.query();
        authorizeRequests.add(Collections.unmodifiableMap(new LinkedHashMap<>(p)));
        if (!clientId.equals(p.get("client_id"))) {
            return errorPage("invalid_client", "The OAuth client was not found: " + p.get("client_id"));
        }
        String redirect = p.getOrDefault("redirect_uri", defaultRedirect());
        if (redirect == null) {
            return errorPage("invalid_request", "Missing required parameter: redirect_uri");
        }
        if (!redirectAllowed(redirect)) {
            return errorPage("redirect_uri_mismatch", "redirect_uri did not match any configured URIs. Passed URI: " + redirect);
        }
        Response refused = checkAuthorize(p);
        if (refused != null) {
            return refused;
        }
        String state = p.get("state");
        String responseType = p.get("response_type");
        if (responseTypeRequired() ? !"code".equals(responseType) : responseType != null && !"code".equals(responseType)) {
            return errorRedirect(redirect, "unsupported_response_type", state);
        }
        if (denyNext.getAndSet(false)) {
            return errorRedirect(redirect, "access_denied", state);
        }
        List<String> requested = requestedScopes(p);
        if (requested.isEmpty()) {
            return errorRedirect(redirect, "invalid_scope", state);
        }
        String challenge = supportsPkce() ? p.get("code_challenge") : null;
        String method = challenge == null ? null : p.getOrDefault("code_challenge_method", "plain");
        if (challenge == null && requirePkce && supportsPkce()) {
            return errorRedirect(redirect, "invalid_request", state);
        }
        if (challenge != null && !challengeMethods().contains(method)) {
            return errorRedirect(redirect, "invalid_request", state);
        }
        Set<String> only = grantOnly;
        List<String> granted = requested.stream().filter(s -> only == null || only.contains(s)).distinct().toList();
        String code = randomToken(codePrefix());
        synchronized (lock) {
            everyCode.add(code);
            codes.put(code, new AuthCode(code, clientId, p.get("redirect_uri"), granted, challenge, method,
                    clock.instant(), Collections.unmodifiableMap(new LinkedHashMap<>(p))));
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("code", code);
        if (state != null) {
            out.put("state", state);
        }
        addAuthorizeResponseParams(out);
        return Response.redirect(appendQuery(redirect, out));
    }

    protected String codePrefix() {
        return "";
    }

    protected Response errorPage(String error, String message) {
        return Response.html(400, "<!doctype html><html><head><title>Error 400: " + escape(error) + "</title></head>"
                + "<body><h1>Authorization error</h1><p>Error 400: " + escape(error) + "</p><p>" + escape(message)
                + "</p></body></html>");
    }

    protected Response errorRedirect(String redirect, String error, String state) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("error", error);
        if (state != null) {
            out.put("state", state);
        }
        addAuthorizeResponseParams(out);
        return Response.redirect(appendQuery(redirect, out));
    }

    // ---------------------------------------------------------------- for subclasses: tokens

    /** Redeems a code for the authenticated client: single use, 10 minutes, same redirect, PKCE. */
    protected AuthCode redeemCode(Map<String, String> p, String authenticatedClient) throws Rejected {
        String code = p.get("code");
        if (code == null) {
            throw new Rejected(Problem.INVALID_REQUEST, "missing code");
        }
        synchronized (lock) {
            AuthCode ac = codes.get(code);
            if (ac == null) {
                throw new Rejected(Problem.INVALID_CODE, "unknown or already used code");
            }
            if (!clock.instant().isBefore(ac.issuedAt().plus(CODE_LIFETIME))) {
                codes.remove(code);
                throw new Rejected(Problem.INVALID_CODE, "code expired");
            }
            if (!ac.clientId().equals(authenticatedClient)) {
                throw new Rejected(Problem.INVALID_CODE, "code issued to another client");
            }
            if (ac.redirectUri() != null && !ac.redirectUri().equals(p.get("redirect_uri"))) {
                throw new Rejected(Problem.REDIRECT_MISMATCH, "redirect_uri differs from the authorize request's");
            }
            if (ac.challenge() != null && !Pkce.matches(ac.challengeMethod(), ac.challenge(), p.get("code_verifier"))) {
                throw new Rejected(Problem.BAD_VERIFIER, "code_verifier does not match the challenge");
            }
            codes.remove(code);
            codeGrants.incrementAndGet();
            return ac;
        }
    }

    protected Reuse refreshReuse() {
        return Reuse.REUSABLE;
    }

    protected Duration reuseLeeway() {
        return Duration.ZERO;
    }

    /** Absolute lifetime of a grant's refresh tokens, counted from the consent; null: none. */
    protected Duration grantLifetime() {
        return null;
    }

    /** Redeems a refresh token under the provider's reuse rules. */
    protected RefreshToken redeemRefresh(String token, String authenticatedClient) throws Rejected {
        if (token == null) {
            throw new Rejected(Problem.INVALID_REQUEST, "missing refresh_token");
        }
        synchronized (lock) {
            RefreshToken rt = refreshTokens.get(token);
            String problem = refreshProblem(rt, authenticatedClient);
            int presented = ledger.presented(token, caller(), problem == null);
            if (problem != null) {
                if (rt != null && revokeGrantOnReuse && rt.firstUsedAt != null && refreshReuse() == Reuse.SINGLE_USE) {
                    rt.grant.revoked = true;
                }
                throw new Rejected(Problem.INVALID_REFRESH, problem);
            }
            if (rt.firstUsedAt == null) {
                rt.firstUsedAt = clock.instant();
            }
            Call call = CALL.get();
            if (call != null) {
                call.redemption = presented;
            }
            refreshGrants.incrementAndGet();
            return rt;
        }
    }

    /** Why this refresh token cannot be used now, or null. Call under the lock. */
    private String refreshProblem(RefreshToken rt, String client) {
        if (rt == null) {
            return "unknown refresh token";
        }
        Instant now = clock.instant();
        if (!rt.grant.clientId.equals(client)) {
            return "issued to another client";
        }
        if (rt.revoked || rt.grant.revoked) {
            return "revoked";
        }
        if (rt.expiredByTest || rt.expiresAt != null && !now.isBefore(rt.expiresAt)) {
            return "expired";
        }
        Duration life = grantLifetime();
        if (life != null && !now.isBefore(rt.grant.createdAt.plus(life))) {
            return "grant past its absolute lifetime";
        }
        if (rt.firstUsedAt != null) {
            switch (refreshReuse()) {
                case SINGLE_USE:
                    return "already used";
                case LEEWAY:
                    if (!now.isBefore(rt.firstUsedAt.plus(reuseLeeway()))) {
                        return "re-used after the leeway";
                    }
                    break;
                default:
                    break;
            }
        }
        return null;
    }

    /** Why this access token is not valid now, or null. Call under the lock. */
    protected String accessProblem(AccessToken at) {
        if (at.revoked || at.grant.revoked) {
            return "revoked";
        }
        if (at.expiresAt != null && !clock.instant().isBefore(at.expiresAt)) {
            return "expired";
        }
        return null;
    }

    /**
     * A refresh token of a new grant to {@link #clientId()}, as if a sign-in had just happened: for
     * tests that start from a stored credential rather than a browser.
     */
    public String seedRefreshToken(List<String> scopes) {
        synchronized (lock) {
            Grant g = new Grant(clientId, "seed", List.copyOf(scopes), clock.instant(), Map.of());
            grants.add(g);
            ledger.grantCreated(g, null);
            return issueRefresh(g, "seed-rt-", null).value;
        }
    }

    protected Grant newGrant(String kind, List<String> scopes, AuthCode from) {
        synchronized (lock) {
            Grant g = new Grant(from.clientId(), kind, scopes, clock.instant(), from.authorizeParams());
            grants.add(g);
            ledger.grantCreated(g, caller());
            return g;
        }
    }

    /** Issues an access token living {@code lifetime} (null: forever). */
    protected AccessToken issueAccess(Grant grant, String prefix, Duration lifetime) {
        synchronized (lock) {
            Instant now = clock.instant();
            AccessToken at = new AccessToken(randomToken(prefix), grant, now, lifetime == null ? null : now.plus(lifetime));
            accessTokens.put(at.value, at);
            latestAccess = at.value;
            return at;
        }
    }

    /** Issues a refresh token living {@code lifetime} from now (null: until revoked). */
    protected RefreshToken issueRefresh(Grant grant, String prefix, Duration lifetime) {
        synchronized (lock) {
            Instant now = clock.instant();
            RefreshToken rt = new RefreshToken(randomToken(prefix), grant, now, lifetime == null ? null : now.plus(lifetime));
            refreshTokens.put(rt.value, rt);
            latestRefresh = rt.value;
            ledger.issued(grant, rt.value, caller());
            Call call = CALL.get();
            if (call != null && call.redemption >= 0) {
                ledger.exchangedFor(call.redemption, rt.value);
            }
            return rt;
        }
    }

    protected AccessToken findAccess(String token) {
        synchronized (lock) {
            return token == null ? null : accessTokens.get(token);
        }
    }

    protected RefreshToken findRefresh(String token) {
        synchronized (lock) {
            return token == null ? null : refreshTokens.get(token);
        }
    }

    /** The valid access token a request carries as Bearer, or null. */
    protected AccessToken validBearer(Request request) {
        synchronized (lock) {
            AccessToken at = findAccess(request.bearer());
            return at != null && accessProblem(at) == null ? at : null;
        }
    }

    // ---------------------------------------------------------------- RFC 8628 device grant

    /** One device authorization: its codes, scopes, and the answers its polls get, in order (the last one repeats). */
    private static final class DeviceCode {
        final String userCode;
        final List<String> scopes;
        final ArrayDeque<String> answers;
        boolean redeemed;

        DeviceCode(String userCode, List<String> scopes, List<String> answers) {
            this.userCode = userCode;
            this.scopes = List.copyOf(scopes);
            this.answers = new ArrayDeque<>(answers);
        }
    }

    private final Map<String, DeviceCode> deviceCodes = new HashMap<>();
    private final List<String> devicePollAnswers = new CopyOnWriteArrayList<>();
    private volatile List<String> deviceScript = List.of("approve");
    private volatile long deviceInterval = 5;
    private volatile long deviceExpiresIn = 600;

    /**
     * What the polls of the next device codes get, one answer each, the last repeated: an RFC 8628 error
     * ({@code authorization_pending}, {@code slow_down}, {@code access_denied}, {@code expired_token}) or
     * {@code approve} (tokens). Default: approved at the first poll. Starts a new {@link #devicePollAnswers()} log.
     */
    public FakeProvider deviceAnswers(String... answers) {
        if (answers.length == 0) {
            throw new IllegalArgumentException("at least one answer");
        }
        this.deviceScript = List.of(answers);
        devicePollAnswers.clear();
        return this;
    }

    /** The {@code interval} (seconds; 0: none, so the client uses RFC 8628's 5) and {@code expires_in} of device authorizations. */
    public FakeProvider deviceTiming(long intervalSeconds, long expiresInSeconds) {
        this.deviceInterval = intervalSeconds;
        this.deviceExpiresIn = expiresInSeconds;
        return this;
    }

    /** The answer each device token poll got since {@link #deviceAnswers} was last called, in order. */
    public List<String> devicePollAnswers() {
        return List.copyOf(devicePollAnswers);
    }

    /** The field naming the verification page: RFC 8628's {@code verification_uri} (Google: {@code verification_url}). */
    protected String verificationField() {
        return "verification_uri";
    }

    /** Whether {@code verification_uri_complete} is sent (Google does not). */
    protected boolean verificationUriComplete() {
        return true;
    }

    /** RFC 8628 §3.1-3.2: a public client id is enough here; the scopes are split on spaces. */
    protected Response deviceAuthorization(Request request) {
        Map<String, String> p = request.form();
        Credentials c = credentials(request, p);
        if (c.clientId() == null || !clientId.equals(c.clientId())) {
            return Response.json(401, obj("error", "invalid_client"));
        }
        String deviceCode = randomToken("dc-");
        String userCode = randomToken("").replaceAll("[^A-Z]", "").concat("BCDFGHJK").substring(0, 8);
        userCode = userCode.substring(0, 4) + "-" + userCode.substring(4);
        synchronized (lock) {
            deviceCodes.put(deviceCode, new DeviceCode(userCode, split(p.get("scope"), " +"), deviceScript));
        }
        URI page = endpoint("/device");
        Map<String, Object> body = obj("device_code", deviceCode, "user_code", userCode, verificationField(), page.toString(),
                "expires_in", deviceExpiresIn);
        if (verificationUriComplete()) {
            body.put("verification_uri_complete", page + "?user_code=" + userCode);
        }
        if (deviceInterval > 0) {
            body.put("interval", deviceInterval);
        }
        return Response.json(200, body).with("Cache-Control", "no-store");
    }

    /**
     * RFC 8628 §3.4-3.5: one poll with a device code (the client already authenticated): the next scripted
     * answer, and on {@code approve} a new grant whose tokens {@code tokens} issues.
     */
    protected Response deviceToken(Map<String, String> p, Function<Grant, Response> tokens) {
        Grant grant;
        synchronized (lock) {
            DeviceCode dc = deviceCodes.get(p.get("device_code"));
            if (dc == null || dc.redeemed) {
                devicePollAnswers.add("invalid_grant");
                return Response.json(400, obj("error", "invalid_grant"));
            }
            String answer = dc.answers.size() > 1 ? dc.answers.poll() : dc.answers.peek();
            devicePollAnswers.add(answer);
            if (!"approve".equals(answer)) {
                return Response.json(400, obj("error", answer)).with("Cache-Control", "no-store");
            }
            dc.redeemed = true;
            grant = new Grant(clientId, "device", dc.scopes, clock.instant(), Map.of());
            grants.add(grant);
            ledger.grantCreated(grant, caller());
        }
        return tokens.apply(grant);
    }

    /** Seconds for {@code expires_in}. */
    protected static long seconds(Duration d) {
        return d.toSeconds();
    }

    private volatile java.util.function.Consumer<Map<String, Object>> idTokenClaims = claims -> { };

    /** Changes the claims of every id_token issued from now on (a forged or misdirected token, for integ's checks). */
    public FakeProvider idTokenClaims(java.util.function.Consumer<Map<String, Object>> change) {
        this.idTokenClaims = Objects.requireNonNull(change);
        return this;
    }

    /** A JWT-shaped, unsigned ({@code alg: none}) id_token for the grant. */
    protected String idToken(Grant grant) {
        Instant now = clock.instant();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer());
        claims.put("aud", grant.clientId);
        claims.put("sub", subject);
        claims.put("email", email);
        claims.put("email_verified", true);
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", now.plusSeconds(3600).getEpochSecond());
        String nonce = grant.authorizeParams.get("nonce");
        if (nonce != null) {
            claims.put("nonce", nonce);
        }
        idTokenClaims.accept(claims);
        try {
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String token = b64.encodeToString(JSON.writeValueAsBytes(Map.of("alg", "none", "typ", "JWT"))) + "."
                    + b64.encodeToString(JSON.writeValueAsBytes(claims)) + ".";
            synchronized (lock) {
                everyIdToken.add(token);
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- helpers

    protected static String randomToken(String prefix) {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** An insertion-ordered JSON object that allows null values. */
    protected static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    protected static List<String> split(String value, String separatorRegex) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.trim().split(separatorRegex)).filter(s -> !s.isEmpty()).toList();
    }

    static Map<String, String> parseForm(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = formDecode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : formDecode(pair.substring(eq + 1));
            out.putIfAbsent(key, value);
        }
        return out;
    }

    static String formDecode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    static String formEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Appends parameters to a URI's query, with {@code ?} or {@code &} as needed. */
    static String appendQuery(String uri, Map<String, String> params) {
        StringBuilder sb = new StringBuilder(uri);
        char last = uri.isEmpty() ? '?' : uri.charAt(uri.length() - 1);
        boolean needSeparator = !(last == '?' || last == '&');
        boolean first = true;
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (first) {
                if (needSeparator) {
                    sb.append(uri.indexOf('?') >= 0 ? '&' : '?');
                }
                first = false;
            } else {
                sb.append('&');
            }
            sb.append(formEncode(e.getKey())).append('=').append(formEncode(e.getValue()));
        }
        return sb.toString();
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    protected static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }

    @Override
    public void close() {
        gates.values().forEach(AnswerGate::release);
        pathGates.values().forEach(AnswerGate::release);
        stopListening();
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + baseUri() + "]";
    }
}
