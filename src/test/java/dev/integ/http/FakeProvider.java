package dev.integ.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A provider served over real HTTP on loopback that answers from a script: each request takes the
 * next reply, and the last one repeats. Every request is recorded when it arrives, before it is
 * answered, so "the provider saw it" means the side effect happened.
 */
final class FakeProvider implements AutoCloseable {

    /** One request as the provider saw it. */
    record Seen(String method, String path, String body, String authorization) {
    }

    @FunctionalInterface
    interface Reply {
        void answer(HttpExchange exchange, Seen request) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    // handlers that hang must not block the others: one thread each
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Queue<Reply> script = new ConcurrentLinkedQueue<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Reply last = status(200, "{}");

    private FakeProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    static FakeProvider start() throws IOException {
        return new FakeProvider();
    }

    /** Replies in this order; the last one answers every request after that. */
    FakeProvider replies(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    int requests() {
        return seen.size();
    }

    List<Seen> seen() {
        return seen;
    }

    /** Answers with this status, body and headers ("Name", "value", ...). */
    static Reply status(int status, String body, String... headers) {
        return (exchange, request) -> {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** Takes the request (its side effect is recorded) and never answers, until the test ends. */
    Reply hang() {
        return (exchange, request) -> released.await();
    }

    /** Sends the headers and the start of the body, then stalls until the test ends. */
    Reply stallMidBody() {
        return (exchange, request) -> {
            exchange.sendResponseHeaders(200, 1000);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"ok\":true,".getBytes(StandardCharsets.UTF_8));
            out.flush();
            released.await();
        };
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Seen request = new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), body,
                exchange.getRequestHeaders().getFirst("Authorization"));
        seen.add(request);
        Reply reply = script.poll();
        if (reply == null) {
            reply = last;
        } else if (script.isEmpty()) {
            last = reply;
        }
        try {
            reply.answer(exchange, request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up on this exchange (that is what timeout tests are for)
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
