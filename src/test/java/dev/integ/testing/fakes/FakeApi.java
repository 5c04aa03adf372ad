package dev.integ.testing.fakes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider's API (beside its authorization server, on the same fake): the routes it adds, what every
 * call to them carried, and the switches the call path is tested with (a failure status with
 * Retry-After, an answer lost after the request was taken).
 */
public abstract class FakeApi {
    /** One API call as the fake received it. */
    public record Received(String method, String path, Map<String, String> query, String body, String bearer,
                           Map<String, List<String>> headers) {
    }

    protected final FakeProvider provider;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus;
    private volatile Duration failureRetryAfter;
    private final AtomicInteger dropsLeft = new AtomicInteger();
    private volatile byte[] rawAnswer;
    private volatile String rawContentType;
    private volatile int rawStatus;
    private volatile int echoStatus;

    protected FakeApi(FakeProvider provider) {
        this.provider = provider;
    }

    /** Every call to this API so far, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> received(String pathSuffix) {
        return received.stream().filter(r -> r.path().endsWith(pathSuffix)).toList();
    }

    /** The next {@code n} calls answer {@code status}, with Retry-After in whole seconds if given. */
    public FakeApi failNext(int n, int status, Duration retryAfter) {
        failureStatus = status;
        failureRetryAfter = retryAfter;
        failuresLeft.set(n);
        return this;
    }

    /** The next {@code n} calls are carried out, and their answers lost (the connection closes without one). */
    public FakeApi dropNextAnswers(int n) {
        dropsLeft.set(n);
        return this;
    }

    /** Every call from now on answers these bytes (a hostile or broken provider), until {@link #normal()}. */
    public FakeApi answerRaw(int status, String contentType, byte[] body) {
        rawStatus = status;
        rawContentType = contentType;
        rawAnswer = body;
        return this;
    }

    /** Every call from now on answers {@code status} with the bearer token it carried in the body (a debugging endpoint, a proxy's error page). */
    public FakeApi answerEchoingBearer(int status) {
        echoStatus = status;
        return this;
    }

    public FakeApi normal() {
        rawAnswer = null;
        echoStatus = 0;
        failuresLeft.set(0);
        dropsLeft.set(0);
        return this;
    }

    public void clear() {
        received.clear();
        normal();
    }

    /** Adds a route whose calls are recorded and go through the switches first. */
    protected void route(String path, FakeServer.Handler handler, String... methods) {
        provider.route(path, wrap(handler), methods);
    }

    protected void routePrefix(String prefix, FakeServer.Handler handler, String... methods) {
        provider.routePrefix(prefix, wrap(handler), methods);
    }

    private FakeServer.Handler wrap(FakeServer.Handler handler) {
        return request -> {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            request.headers.forEach((k, v) -> headers.put(k, List.copyOf(v)));
            received.add(new Received(request.method, request.path(), request.query(), request.text(), request.bearer(), headers));
            byte[] raw = rawAnswer;
            if (raw != null) {
                return new FakeServer.Response(rawStatus, Map.of("Content-Type", rawContentType), raw);
            }
            if (echoStatus != 0) {
                return new FakeServer.Response(echoStatus, Map.of("Content-Type", "application/json"),
                        ("{\"error\":\"echo " + request.bearer() + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            if (failuresLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                return provider.unavailable(failureStatus, failureRetryAfter);
            }
            FakeServer.Response response = handler.handle(request);
            if (dropsLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                return FakeServer.DROP;
            }
            return response;
        };
    }
}
