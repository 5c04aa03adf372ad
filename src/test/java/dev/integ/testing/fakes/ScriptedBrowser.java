package dev.integ.testing.fakes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the browser integ opens through {@code $BROWSER}. {@link #start(Path)} writes an executable
 * script that hands its one argument (the authorization URL) to this object's control server and
 * exits; the Java side then acts on its own thread: GETs the authorization URL without following
 * redirects, reads the 302 {@code Location} (integ's loopback receiver) and does what the configured
 * {@link Behaviour} says. Everything is recorded; errors land in {@link #failure()}.
 *
 * <pre>{@code
 * try (ScriptedBrowser browser = ScriptedBrowser.start(tmp)) {
 *     cli.env("BROWSER", browser.command());
 *     ... run "integ connect google" ...
 *     assertThat(browser.awaitDone(Duration.ofSeconds(10))).isTrue();
 *     assertThat(browser.receiverStatuses()).containsExactly(200);
 * }
 * }</pre>
 */
public final class ScriptedBrowser implements AutoCloseable {

    /** What the browser does with the redirect the provider answers. */
    public static final class Behaviour {
        enum Kind { FOLLOW, FOLLOW_TWICE, WRONG_STATE_FIRST, BOGUS_CODE, NOT_AT_ALL, PASTE, FOLLOW_AFTER }

        /** GET the redirect: the user consented and the browser went back to integ. */
        public static final Behaviour FOLLOW = new Behaviour(Kind.FOLLOW, null);
        /** GET the redirect twice (a reload, or a replayed callback). */
        public static final Behaviour FOLLOW_TWICE = new Behaviour(Kind.FOLLOW_TWICE, null);
        /** GET the redirect with a different random {@code state} first, then the real redirect. */
        public static final Behaviour WRONG_STATE_FIRST = new Behaviour(Kind.WRONG_STATE_FIRST, null);
        /** GET the redirect with its {@code code} replaced by one the provider never issued (the right state kept). */
        public static final Behaviour BOGUS_CODE = new Behaviour(Kind.BOGUS_CODE, null);
        /** Record the URL and do nothing else (the user never finishes: timeout tests). */
        public static final Behaviour NOT_AT_ALL = new Behaviour(Kind.NOT_AT_ALL, null);

        final Kind kind;
        final Consumer<String> sink;

        private Behaviour(Kind kind, Consumer<String> sink) {
            this.kind = kind;
            this.sink = sink;
        }

        /** Hand the redirect URL to {@code sink} without GETting it (paste-mode tests). */
        public static Behaviour paste(Consumer<String> sink) {
            return new Behaviour(Kind.PASTE, Objects.requireNonNull(sink, "sink"));
        }

        /**
         * Hand the redirect URL to {@code first} (on the browser's thread; it may take as long as it
         * likes, e.g. to flood the receiver), then GET the redirect once it returns.
         */
        public static Behaviour followAfter(Consumer<String> first) {
            return new Behaviour(Kind.FOLLOW_AFTER, Objects.requireNonNull(first, "first"));
        }

        /** Same as {@link #paste(Consumer)}. */
        public static Behaviour PASTE(Consumer<String> sink) {
            return paste(sink);
        }

        @Override
        public String toString() {
            return kind.name();
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern STATE = Pattern.compile("([?&])state=[^&#]*");
    private static final Pattern CODE = Pattern.compile("([?&])code=[^&#]*");
    /** Longer than the receiver holds its answer for the flow (60 s), as a real browser waits. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(90);

    private final HttpServer control;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "scripted-browser");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService controlThreads = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "scripted-browser-control");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Path script;
    private volatile Behaviour behaviour = Behaviour.FOLLOW;

    private final List<String> openedUrls = new CopyOnWriteArrayList<>();
    private final List<Integer> authorizeStatuses = new CopyOnWriteArrayList<>();
    private final List<String> redirects = new CopyOnWriteArrayList<>();
    private final List<String> receiverUrls = new CopyOnWriteArrayList<>();
    private final List<Integer> receiverStatuses = new CopyOnWriteArrayList<>();
    private final List<String> receiverPages = new CopyOnWriteArrayList<>();
    private final List<HttpHeaders> receiverHeaders = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private final Object progress = new Object();
    private int opened;
    private int finished;

    private ScriptedBrowser(Path dir) throws IOException {
        FakeProvider.noDelay();
        control = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        control.setExecutor(controlThreads);
        control.createContext("/open", this::open);
        control.start();
        Files.createDirectories(dir);
        script = dir.resolve("scripted-browser-" + control.getAddress().getPort() + ".sh");
        String text = "#!/bin/sh\n"
                + "# integ test browser: hands the URL to ScriptedBrowser and exits\n"
                + "exec /usr/bin/curl -s -o /dev/null --data-urlencode \"url=$1\" http://127.0.0.1:"
                + control.getAddress().getPort() + "/open\n";
        Files.writeString(script, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    /** Starts the control server and writes the browser script into {@code dir}. */
    public static ScriptedBrowser start(Path dir) throws IOException {
        return new ScriptedBrowser(dir);
    }

    /** The script to put in {@code BROWSER}. */
    public String command() {
        return script.toString();
    }

    public Path script() {
        return script;
    }

    /** What to do with URLs opened from now on (default {@link Behaviour#FOLLOW}). */
    public ScriptedBrowser behaviour(Behaviour behaviour) {
        this.behaviour = Objects.requireNonNull(behaviour, "behaviour");
        return this;
    }

    /** Paste mode: the redirect URL goes to {@code location} instead of being visited. */
    public ScriptedBrowser onRedirect(Consumer<String> location) {
        return behaviour(Behaviour.paste(location));
    }

    // ---------------------------------------------------------------- observations

    /** The URLs the script was asked to open, in order. */
    public List<String> openedUrls() {
        return List.copyOf(openedUrls);
    }

    /** Statuses of the authorization endpoint's answers. */
    public List<Integer> authorizeStatuses() {
        return List.copyOf(authorizeStatuses);
    }

    /** The {@code Location}s the provider redirected to (before any state tampering). */
    public List<String> redirects() {
        return List.copyOf(redirects);
    }

    /** The URLs actually requested from the receiver (tampered ones included). */
    public List<String> receiverUrls() {
        return List.copyOf(receiverUrls);
    }

    public List<Integer> receiverStatuses() {
        return List.copyOf(receiverStatuses);
    }

    /** Bodies of the receiver's answers. */
    public List<String> receiverPages() {
        return List.copyOf(receiverPages);
    }

    /** Headers of the receiver's answers. */
    public List<HttpHeaders> receiverHeaders() {
        return List.copyOf(receiverHeaders);
    }

    /** The first error inside the browser thread, if any. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(firstFailure.get());
    }

    public List<Throwable> failures() {
        return List.copyOf(failures);
    }

    /**
     * Waits until at least one URL was opened and the behaviour finished for every URL opened so far.
     * Returns false if that did not happen within {@code timeout}.
     */
    public boolean awaitDone(Duration timeout) throws InterruptedException {
        return awaitCondition(timeout, () -> opened > 0 && finished == opened);
    }

    /** Waits for the first URL to be opened; returns it, or null on timeout. */
    public String awaitOpened(Duration timeout) throws InterruptedException {
        return awaitCondition(timeout, () -> opened > 0) ? openedUrls.get(0) : null;
    }

    private boolean awaitCondition(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (!condition.getAsBoolean()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                progress.wait(left);
            }
            return true;
        }
    }

    // ---------------------------------------------------------------- the browser

    private void open(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String url = FakeProvider.parseForm(new String(body, StandardCharsets.UTF_8)).get("url");
            if (!"POST".equals(exchange.getRequestMethod()) || url == null) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            Behaviour b = behaviour;
            openedUrls.add(url);
            synchronized (progress) {
                opened++;
                progress.notifyAll();
            }
            worker.execute(() -> act(url, b));
            exchange.sendResponseHeaders(204, -1);
        }
    }

    private void act(String url, Behaviour b) {
        try {
            if (b.kind == Behaviour.Kind.NOT_AT_ALL) {
                return;
            }
            HttpResponse<String> answer = get(url);
            authorizeStatuses.add(answer.statusCode());
            Optional<String> location = answer.headers().firstValue("Location");
            if (answer.statusCode() / 100 != 3 || location.isEmpty()) {
                throw new IllegalStateException("the authorization endpoint answered " + answer.statusCode()
                        + " without a redirect: " + abbreviate(answer.body()));
            }
            String redirect = URI.create(url).resolve(location.get()).toString();
            redirects.add(redirect);
            switch (b.kind) {
                case FOLLOW -> visit(redirect);
                case FOLLOW_TWICE -> {
                    visit(redirect);
                    visit(redirect);
                }
                case WRONG_STATE_FIRST -> {
                    visit(withState(redirect, randomState()));
                    visit(redirect);
                }
                case BOGUS_CODE -> {
                    Matcher code = CODE.matcher(redirect);
                    visit(code.find() ? code.replaceFirst("$1code=bogus-" + randomState()) : redirect);
                }
                case PASTE -> b.sink.accept(redirect);
                case FOLLOW_AFTER -> {
                    b.sink.accept(redirect);
                    visit(redirect);
                }
                default -> throw new IllegalStateException("unexpected behaviour " + b);
            }
        } catch (Throwable t) {
            failures.add(t);
            firstFailure.compareAndSet(null, t);
        } finally {
            synchronized (progress) {
                finished++;
                progress.notifyAll();
            }
        }
    }

    private void visit(String url) throws IOException, InterruptedException {
        receiverUrls.add(url);
        HttpResponse<String> answer = get(url);
        receiverStatuses.add(answer.statusCode());
        receiverHeaders.add(answer.headers());
        receiverPages.add(answer.body());
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).GET().timeout(REQUEST_TIMEOUT)
                .header("User-Agent", "integ-scripted-browser").header("Accept", "text/html").build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The URL with its {@code state} parameter replaced (or added). */
    static String withState(String url, String state) {
        Matcher m = STATE.matcher(url);
        if (m.find()) {
            return url.substring(0, m.start()) + m.group(1) + "state=" + state + url.substring(m.end());
        }
        return url + (url.indexOf('?') >= 0 ? "&" : "?") + "state=" + state;
    }

    private static String randomState() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    @Override
    public void close() throws IOException {
        control.stop(0);
        worker.shutdownNow();
        controlThreads.shutdownNow();
        Files.deleteIfExists(script);
    }
}
