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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP half of every fake: a JDK server on {@code 127.0.0.1} (port chosen by the system), routes by
 * exact path or prefix, every request kept for the test to look at, and the switch to stop and resume
 * listening on the same port. What a provider answers lives in the subclasses: {@link FakeProvider}
 * (the OAuth authorization server) and the API fakes beside it.
 */
public abstract class FakeServer implements AutoCloseable {
    protected static final ObjectMapper JSON = new ObjectMapper();
    /** Returned by a handler: the request is taken, then the connection is closed without an answer. */
    protected static final Response DROP = new Response(0, Map.of(), new byte[0]);

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



    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<String, Route> prefixRoutes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Throwable> handlerErrors = new CopyOnWriteArrayList<>();
    private final ExecutorService executor;
    private final int port;
    private volatile HttpServer server;

    protected FakeServer() {
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

    /** {@code http://127.0.0.1:PORT/}, with the trailing slash. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    public int port() {
        return port;
    }

    protected URI endpoint(String path) {
        return baseUri().resolve(path);
    }

    /** Closes the listening socket: connections are refused until {@link #resumeListening()}. */
    public FakeServer stopListening() {
        HttpServer s = server;
        if (s != null) {
            server = null;
            s.stop(0);
        }
        return this;
    }

    /** Listens again on the same port. */
    public FakeServer resumeListening() {
        if (server == null) {
            try {
                server = listen(port);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    /** Exceptions thrown by handlers (answered as 500): a bug in the fake if not empty. */
    public List<Throwable> handlerErrors() {
        return List.copyOf(handlerErrors);
    }

    /** How many requests reached this server, whatever their path. */
    public int requestCount() {
        return requests.size();
    }

    /** Every request received so far, in order. */
    protected List<Request> requests() {
        return List.copyOf(requests);
    }

    // ---------------------------------------------------------------- routing

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
                requests.add(request);
                response = respond(request);
                if (response == DROP) {
                    // the request was handled, the answer is lost on the way back
                    return;
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
            exchange.close();
        }
    }

    /** Answers by the routes; subclasses wrap it with their own switches. */
    protected Response respond(Request request) throws Exception {
        return answer(request);
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

    protected static Map<String, String> parseForm(String raw) {
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


    @Override
    public void close() {
        stopListening();
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + baseUri() + "]";
    }
}
