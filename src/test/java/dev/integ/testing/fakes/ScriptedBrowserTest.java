package dev.integ.testing.fakes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.integ.testing.fakes.TestHttp.map;
import static dev.integ.testing.fakes.TestHttp.queryOf;
import static dev.integ.testing.fakes.TestHttp.withQuery;
import static org.assertj.core.api.Assertions.assertThat;

class ScriptedBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final FakeGoogle google = new FakeGoogle("gid", "gsecret");
    private final List<Map<String, String>> callbacks = new CopyOnWriteArrayList<>();
    private final HttpServer receiver;
    private final String expectedState = "expected-state-123";

    ScriptedBrowserTest() throws IOException {
        // a tiny stand-in for integ's loopback receiver: 200 for the right state, 400 otherwise
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/cb/google", this::callback);
        receiver.start();
    }

    private void callback(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> q = FakeProvider.parseForm(exchange.getRequestURI().getRawQuery());
            callbacks.add(q);
            boolean ok = expectedState.equals(q.get("state")) && q.containsKey("code");
            byte[] page = (ok ? "<p>Connected. You can close this tab.</p>" : "<p>State mismatch.</p>").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(ok ? 200 : 400, page.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(page);
            }
        }
    }

    @AfterEach
    void close() {
        try {
            receiver.stop(0);
        } catch (IllegalStateException alreadyStopped) {
            // errorsAreRecorded stops it itself
        }
        google.close();
    }

    private String redirect() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb/google";
    }

    private String authorizationUrl(String redirect) {
        return withQuery(google.authorizationEndpoint(), map("client_id", "gid", "response_type", "code",
                "redirect_uri", redirect, "scope", "openid email", "state", expectedState,
                "code_challenge", Pkce.s256(Pkce.newVerifier()), "code_challenge_method", "S256")).toString();
    }

    /** Runs the script the way integ runs $BROWSER. */
    private static void launch(ScriptedBrowser browser, String url) throws Exception {
        Process p = new ProcessBuilder(browser.command(), url).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("the browser script exits").isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void scriptIsPrivateAndExecutable() throws Exception {
        try (ScriptedBrowser browser = ScriptedBrowser.start(dir)) {
            Path script = Path.of(browser.command());
            assertThat(script.getParent()).isEqualTo(dir);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(script))).isEqualTo("rwx------");
            assertThat(Files.readString(script)).contains("/usr/bin/curl").contains("--data-urlencode");
            assertThat(browser.awaitDone(Duration.ofMillis(50))).as("nothing opened yet").isFalse();
        }
    }

    @Test
    void followDeliversTheCallback() throws Exception {
        try (ScriptedBrowser browser = ScriptedBrowser.start(dir)) {
            String url = authorizationUrl(redirect());
            launch(browser, url);
            assertThat(browser.openedUrls()).containsExactly(url);
            assertThat(browser.awaitDone(WAIT)).isTrue();
            assertThat(browser.failure()).isEmpty();
            assertThat(browser.authorizeStatuses()).containsExactly(302);
            assertThat(browser.receiverStatuses()).containsExactly(200);
            assertThat(browser.receiverPages()).singleElement().asString().contains("Connected");
            assertThat(callbacks).singleElement().satisfies(q -> assertThat(q).containsKey("code").containsEntry("state", expectedState));
            assertThat(google.authorizeRequests()).singleElement()
                    .satisfies(a -> assertThat(a).containsEntry("scope", "openid email"));
        }
    }

    @Test
    void wrongStateFirstThenTheRealOne() throws Exception {
        try (ScriptedBrowser browser = ScriptedBrowser.start(dir).behaviour(ScriptedBrowser.Behaviour.WRONG_STATE_FIRST)) {
            launch(browser, authorizationUrl(redirect()));
            assertThat(browser.awaitDone(WAIT)).isTrue();
            assertThat(browser.failure()).isEmpty();
            assertThat(browser.receiverStatuses()).containsExactly(400, 200);
            assertThat(callbacks).hasSize(2);
            assertThat(callbacks.get(0).get("state")).isNotEqualTo(expectedState);
            assertThat(callbacks.get(0).get("code")).isEqualTo(callbacks.get(1).get("code"));
        }
    }

    @Test
    void pasteHandsTheRedirectToTheTest() throws Exception {
        CompletableFuture<String> pasted = new CompletableFuture<>();
        try (ScriptedBrowser browser = ScriptedBrowser.start(dir).onRedirect(pasted::complete)) {
            launch(browser, authorizationUrl(redirect()));
            String location = pasted.get(10, TimeUnit.SECONDS);
            assertThat(location).startsWith(redirect() + "?code=");
            assertThat(queryOf(location)).containsEntry("state", expectedState);
            assertThat(browser.awaitDone(WAIT)).isTrue();
            assertThat(browser.receiverStatuses()).isEmpty();
            assertThat(callbacks).isEmpty();
            assertThat(browser.redirects()).containsExactly(location);
        }
    }

    @Test
    void notAtAllOnlyRecords() throws Exception {
        try (ScriptedBrowser browser = ScriptedBrowser.start(dir).behaviour(ScriptedBrowser.Behaviour.NOT_AT_ALL)) {
            String url = authorizationUrl(redirect());
            launch(browser, url);
            assertThat(browser.awaitOpened(WAIT)).isEqualTo(url);
            assertThat(browser.awaitDone(WAIT)).isTrue();
            assertThat(google.authorizeRequests()).isEmpty();
            assertThat(browser.authorizeStatuses()).isEmpty();
        }
    }

    @Test
    void followTwiceReplaysTheCallback() throws Exception {
        try (ScriptedBrowser browser = ScriptedBrowser.start(dir).behaviour(ScriptedBrowser.Behaviour.FOLLOW_TWICE)) {
            launch(browser, authorizationUrl(redirect()));
            assertThat(browser.awaitDone(WAIT)).isTrue();
            assertThat(browser.receiverStatuses()).containsExactly(200, 200);
            assertThat(callbacks).hasSize(2);
        }
    }

    @Test
    void errorsAreRecorded() throws Exception {
        try (ScriptedBrowser browser = ScriptedBrowser.start(dir)) {
            launch(browser, authorizationUrl("https://not-loopback.example/cb"));
            assertThat(browser.awaitDone(WAIT)).isTrue();
            assertThat(browser.authorizeStatuses()).containsExactly(400);
            assertThat(browser.failure()).hasValueSatisfying(t -> assertThat(t).hasMessageContaining("400"));

            receiver.stop(0);
            launch(browser, authorizationUrl(redirect()));
            assertThat(browser.awaitDone(WAIT)).isTrue();
            assertThat(browser.failures()).hasSize(2);
            assertThat(browser.failures().get(1)).isInstanceOf(IOException.class);
        }
    }
}
