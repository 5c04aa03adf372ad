package dev.integ.http;

import javax.net.ssl.SSLSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request over {@link HttpURLConnection}: what {@link OutboundHttp} uses for the methods it can
 * send, because java.net.http's client costs about a second of start-up (its selector thread, async
 * machinery and method handles) on every invocation of a short-lived CLI, where this costs ~50 ms.
 * The same rules hold: no proxy, no redirects followed, connect and answer time bounded (a watchdog
 * closes the connection when the whole exchange outlasts connect + request timeout, so a body that
 * stalls half-way ends too), at most {@code limit} bytes read, and never a silent second send of a
 * request (the JDK would repeat a POST on a stale keep-alive connection: retryPost off, streaming mode).
 */
final class UrlConnectionExchange {
    /** What HttpURLConnection can send; anything else (PATCH) goes through java.net.http. */
    static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS");

    static {
        if (System.getProperty("sun.net.http.retryPost") == null) {
            System.setProperty("sun.net.http.retryPost", "false");
        }
    }

    private UrlConnectionExchange() {
    }

    static HttpResponse<String> send(HttpRequest request, Duration connectTimeout, Duration timeout, long limit) throws IOException {
        byte[] body = body(request);
        HttpURLConnection c = (HttpURLConnection) request.uri().toURL().openConnection(Proxy.NO_PROXY);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setConnectTimeout(millis(connectTimeout));
        c.setReadTimeout(millis(timeout));
        c.setRequestMethod(request.method());
        request.headers().map().forEach((name, values) -> values.forEach(v -> c.addRequestProperty(name, v)));
        AtomicBoolean expired = new AtomicBoolean();
        Thread watchdog = watchdog(c, connectTimeout.plus(timeout), expired);
        if (body != null) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
        }
        try {
            try {
                c.connect();
            } catch (SocketTimeoutException e) {
                throw new HttpConnectTimeoutException("no connection within " + connectTimeout.toMillis() + " ms");
            }
            if (body != null) {
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            HttpHeaders headers = headers(c);
            String text = read(status >= 400 ? c.getErrorStream() : c.getInputStream(), headers, limit);
            return new Answer(request, status, headers, text);
        } catch (SocketTimeoutException e) {
            throw new HttpTimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            if (expired.get()) {
                throw new HttpTimeoutException("no complete answer within " + connectTimeout.plus(timeout).toMillis() + " ms");
            }
            throw e;
        } finally {
            watchdog.interrupt();
            c.disconnect();
        }
    }

    /** Closes the connection if the exchange is not over in time: read timeouts alone do not bound a slow drip. */
    private static Thread watchdog(HttpURLConnection c, Duration bound, AtomicBoolean expired) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(bound.toMillis());
                expired.set(true);
                c.disconnect();
            } catch (InterruptedException done) {
                // the exchange ended in time
            }
        }, "integ-http-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String read(InputStream in, HttpHeaders headers, long limit) throws IOException {
        if (in == null) {
            return "";
        }
        if (headers.firstValueAsLong("Content-Length").orElse(-1) > limit) {
            in.close();
            throw new BoundedBody.TooLarge(limit);
        }
        try (InputStream body = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = body.read(buffer)) != -1; ) {
                if (out.size() + (long) n > limit) {
                    throw new BoundedBody.TooLarge(limit);
                }
                out.write(buffer, 0, n);
            }
            return out.toString(charset(headers));
        }
    }

    private static Charset charset(HttpHeaders headers) {
        for (String part : headers.firstValue("Content-Type").orElse("").split(";")) {
            String p = part.strip();
            if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                try {
                    return Charset.forName(p.substring(8).replace("\"", "").strip());
                } catch (IllegalArgumentException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static HttpHeaders headers(HttpURLConnection c) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        c.getHeaderFields().forEach((name, values) -> {
            if (name != null) {
                map.put(name, values);
            }
        });
        return HttpHeaders.of(map, (a, b) -> true);
    }

    /** The bytes of a request's body publisher (the ones integ uses publish synchronously), or null for none. */
    private static byte[] body(HttpRequest request) throws IOException {
        Optional<HttpRequest.BodyPublisher> publisher = request.bodyPublisher();
        if (publisher.isEmpty() || publisher.get().contentLength() == 0) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicBoolean complete = new AtomicBoolean();
        Throwable[] failure = {null};
        publisher.get().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.writeBytes(chunk);
            }

            @Override
            public void onError(Throwable t) {
                failure[0] = t;
            }

            @Override
            public void onComplete() {
                complete.set(true);
            }
        });
        if (failure[0] != null || !complete.get()) {
            throw new IOException("the request body could not be read", failure[0]);
        }
        return out.toByteArray();
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    /** The answer in java.net.http's shape, which the retry rules and callers read. */
    private record Answer(HttpRequest request, int statusCode, HttpHeaders headers, String body) implements HttpResponse<String> {
        @Override
        public Optional<HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
