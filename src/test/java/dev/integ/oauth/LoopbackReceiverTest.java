package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.vault.Credential;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LoopbackReceiverTest {
    private static final String STATE = "st4te-of-this-sign-in";
    private static final String CODE = "SECRETCODE-8c1f2e";
    private static final Duration SOON = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<CallbackOutcome.Rejected> rejected = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new ArrayList<>();
    private LoopbackReceiver receiver;

    @AfterEach
    void closeReceiverAndCheckNoPageShowedTheCode() {
        if (receiver != null) {
            receiver.close();
        }
        assertThat(bodies).allSatisfy(body -> assertThat(body).doesNotContain(CODE));
    }

    private LoopbackReceiver start(String host, int port) {
        return start(host, port, new CallbackCheck(STATE, null, false));
    }

    private LoopbackReceiver start(String host, int port, CallbackCheck check) {
        receiver = LoopbackReceiver.start(new RedirectTarget(host, port, "/cb/test"), check, rejected::add);
        return receiver;
    }

    /** The browser's answer to this sign-in: sent without waiting, since its page is held until the flow answers. */
    private CompletableFuture<HttpResponse<String>> send(String query) {
        URI uri = URI.create(receiver.redirectUri() + "?" + query);
        return http.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    synchronized (bodies) {
                        bodies.add(response.body());
                    }
                    return response;
                });
    }

    /** Sends the right answer, waits for the flow to see it, and answers as a flow that stored the credential would. */
    private HttpResponse<String> finish(String query) throws Exception {
        CompletableFuture<HttpResponse<String>> page = send(query);
        assertThat(receiver.await(SOON)).isInstanceOf(CallbackOutcome.Authorized.class);
        receiver.answer(signedIn());
        return page.get(SOON.toSeconds(), TimeUnit.SECONDS);
    }

    private static SignInPage signedIn() {
        return SignInPage.signedIn("Slack", new Credential("slack", "alice", Credential.ACTIVE, List.of("chat:write"), null, null, true,
                Instant.EPOCH, Instant.EPOCH, Map.of("email", "alice@example.com", "team", "Acme", "team_id", "T1")));
    }

    private HttpResponse<String> get(String query) throws Exception {
        return get(URI.create(receiver.redirectUri() + (query == null ? "" : "?" + query)));
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(SOON).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        synchronized (bodies) {
            bodies.add(response.body());
        }
        return response;
    }

    @Test
    void theRightStateIsAuthorizedAndItsPageWaitsForWhatTheFlowSays() throws Exception {
        start("127.0.0.1", 0);
        assertThat(receiver.redirectUri().toString()).matches("http://127\\.0\\.0\\.1:\\d+/cb/test");

        CompletableFuture<HttpResponse<String>> page = send("code=" + CODE + "&state=" + STATE);
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
        // nothing is stored yet: the browser is not told anything until the flow knows
        assertThat(page).isNotDone();
        receiver.answer(signedIn());

        HttpResponse<String> shown = page.get(SOON.toSeconds(), TimeUnit.SECONDS);
        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(shown.body()).contains("<h1>Signed in to Slack as alice@example.com (team Acme), stored for integ user alice.</h1>")
                .contains("<p>You can close this tab.</p>").contains("<title>Signed in · integ</title>");
        // said once: the headline is not repeated in the page
        assertThat(shown.body().split("alice@example.com", -1)).hasSize(2);
        assertThat(rejected).isEmpty();
    }

    @Test
    void aFailurePageSaysWhatFailedAndWhatToDoEscaped() throws Exception {
        start("127.0.0.1", 0);
        CompletableFuture<HttpResponse<String>> page = send("code=" + CODE + "&state=" + STATE);
        receiver.await(SOON);

        receiver.answer(SignInPage.failed("Slack", IntegException.failure("slack refused the sign-in code",
                "invalid_grant (<script>alert(1)</script>)", "run the command again; a code is valid once", null)));

        HttpResponse<String> shown = page.get(SOON.toSeconds(), TimeUnit.SECONDS);
        assertThat(shown.body()).contains("<h1>Slack refused the sign-in code: invalid_grant (&lt;script&gt;alert(1)&lt;/script&gt;).</h1>")
                .contains("What to do: Run the command again; a code is valid once.").doesNotContain("<script").contains("Sign-in failed");
    }

    @Test
    void aLongFailureIsCutShort() throws Exception {
        start("127.0.0.1", 0);
        CompletableFuture<HttpResponse<String>> page = send("code=" + CODE + "&state=" + STATE);
        receiver.await(SOON);

        receiver.answer(SignInPage.failed("Slack", IntegException.failure("acme refused the sign-in code", "x".repeat(5000), null, null)));

        assertThat(page.get(SOON.toSeconds(), TimeUnit.SECONDS).body()).hasSizeLessThan(3000).contains("x…");
    }

    @Test
    void aFlowThatTakesTooLongLeavesTheBrowserAStillWorkingPage() throws Exception {
        receiver = LoopbackReceiver.start(new RedirectTarget("127.0.0.1", 0, "/cb/test"), new CallbackCheck(STATE, null, false), rejected::add,
                Duration.ofSeconds(2), Duration.ofSeconds(1));
        CompletableFuture<HttpResponse<String>> page = send("code=" + CODE + "&state=" + STATE);
        receiver.await(SOON);

        // the cap passes (and the connection's idle timeout, shorter still, does not end the held request)
        HttpResponse<String> shown = page.get(SOON.toSeconds(), TimeUnit.SECONDS);
        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(shown.body()).contains("integ is still finishing the sign-in.").contains("The terminal running integ connect will say");
        receiver.answer(signedIn()); // too late for this browser: harmless
    }

    @Test
    void closingWithTheAnswerStillHeldTellsTheBrowserIntegStopped() throws Exception {
        start("127.0.0.1", 0);
        CompletableFuture<HttpResponse<String>> page = send("code=" + CODE + "&state=" + STATE);
        receiver.await(SOON);

        receiver.close();

        assertThat(page.get(SOON.toSeconds(), TimeUnit.SECONDS).body()).contains("integ stopped before the sign-in finished.");
    }

    @Test
    void everyPageCarriesTheSecurityHeaders() throws Exception {
        start("127.0.0.1", 0);
        for (HttpResponse<String> page : List.of(get("state=wrong"), get(URI.create(receiver.redirectUri().resolve("/other").toString())),
                finish("code=" + CODE + "&state=" + STATE), get("code=" + CODE + "&state=" + STATE))) {
            assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                    .matches("default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; frame-ancestors 'none'"));
            assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            // no external resources: nothing in the page points anywhere
            assertThat(page.body()).doesNotContain("src=").doesNotContain("href=").doesNotContain("url(").doesNotContain("@import");
            assertThat(styleHash(page.body())).isEqualTo(page.headers().firstValue("Content-Security-Policy").orElseThrow()
                    .replaceAll(".*style-src '([^']+)'.*", "$1"));
            assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Server")).isEmpty();
        }
    }

    @Test
    void aWrongStateGetsAnErrorPageAndTheFlowGoesOn() throws Exception {
        start("127.0.0.1", 0);

        HttpResponse<String> wrong = get("code=" + CODE + "&state=someone-elses");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("doesn't belong to the running integ connect").contains("Start again from the link integ printed");
        assertThat(rejected).containsExactly(new CallbackOutcome.Rejected("state does not match this sign-in"));

        assertThat(finish("code=" + CODE + "&state=" + STATE).statusCode()).isEqualTo(200);
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void afterTooManyRefusalsTheRestGetAFixed429AndTheRightStateIsStillAccepted() throws Exception {
        start("127.0.0.1", 0);
        URI elsewhere = receiver.redirectUri().resolve("/favicon.ico");
        for (int i = 0; i < CallbackHandler.SHED_AFTER; i++) {
            assertThat(i % 4 == 0 ? get(elsewhere).statusCode() : get("code=x&state=wrong-" + i).statusCode()).isIn(400, 404);
        }

        for (HttpResponse<String> shed : List.of(get("code=x&state=wrong"), get((String) null), get(elsewhere))) {
            assertThat(shed.statusCode()).isEqualTo(429);
            assertThat(shed.body()).contains("Too many requests").doesNotContain("wrong");
            assertThat(shed.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(shed.headers().firstValue("Content-Security-Policy")).hasValue(ReceiverPages.CONTENT_SECURITY_POLICY);
            assertThat(shed.headers().firstValue("Connection")).hasValue("close");
        }
        // every refused callback is still told (and counted), however it was answered
        assertThat(rejected).hasSize(CallbackHandler.SHED_AFTER - CallbackHandler.SHED_AFTER / 4 + 2);

        assertThat(finish("code=" + CODE + "&state=" + STATE).statusCode()).isEqualTo(200);
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void aForgedErrorWithAWrongStateDoesNotEndTheFlow() throws Exception {
        start("127.0.0.1", 0);

        assertThat(get("error=access_denied&state=forged").statusCode()).isEqualTo(400);
        assertThat(get("error=access_denied").statusCode()).isEqualTo(400);
        assertThat(rejected).hasSize(2);

        finish("code=" + CODE + "&state=" + STATE);
        assertThat(receiver.await(SOON)).isInstanceOf(CallbackOutcome.Authorized.class);
    }

    @Test
    void anErrorWithTheRightStateIsDeniedAndEndsTheFlow() throws Exception {
        start("127.0.0.1", 0);

        CompletableFuture<HttpResponse<String>> page = send("error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state=" + STATE);

        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Denied("access_denied", "<b>no</b>"));
        // the flow answers a denial too (ConnectCommandTest checks its words)
        receiver.answer(SignInPage.failed("Google Drive", IntegException.humanAction("the sign-in to Google Drive was not approved",
                "access_denied", null)));
        assertThat(page.get(SOON.toSeconds(), TimeUnit.SECONDS).body()).contains("was not approved: access_denied.");
    }

    @Test
    void aMismatchedOrMissingRequiredIssuerIsRejected() throws Exception {
        start("127.0.0.1", 0, new CallbackCheck(STATE, "https://auth.example.com", true));

        assertThat(get("code=" + CODE + "&state=" + STATE + "&iss=https%3A%2F%2Fevil.example.com").statusCode()).isEqualTo(400);
        assertThat(get("code=" + CODE + "&state=" + STATE).statusCode()).isEqualTo(400);
        assertThat(rejected).hasSize(2);

        assertThat(finish("code=" + CODE + "&state=" + STATE + "&iss=https%3A%2F%2Fauth.example.com").statusCode()).isEqualTo(200);
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void otherPathsAndMethodsAre404AndTheFlowKeepsWaiting() throws Exception {
        start("127.0.0.1", 0);
        URI base = receiver.redirectUri();

        assertThat(get(base.resolve("/favicon.ico")).statusCode()).isEqualTo(404);
        assertThat(get(URI.create(base + "/more?code=" + CODE + "&state=" + STATE)).statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "?code=" + CODE + "&state=" + STATE))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(404);
        assertThat(rejected).isEmpty();

        finish("code=" + CODE + "&state=" + STATE);
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void aForeignHostHeaderIsRefused() throws Exception {
        start("127.0.0.1", 0);
        int port = receiver.redirectUri().getPort();

        String response = rawGet(InetAddress.getByName("127.0.0.1"), port, "evil.example:" + port, "/cb/test?code=" + CODE + "&state=" + STATE);
        assertThat(response).startsWith("HTTP/1.1 400").doesNotContain(CODE).contains("Cache-Control: no-store");
        assertThat(rawGet(InetAddress.getByName("127.0.0.1"), port, "localhost:" + port, "/cb/test?state=" + STATE)).startsWith("HTTP/1.1 400");

        finish("code=" + CODE + "&state=" + STATE);
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void afterTheFlowEndedFurtherRequestsAreToldItIsFinished() throws Exception {
        start("127.0.0.1", 0);
        finish("code=" + CODE + "&state=" + STATE);
        assertThat(receiver.await(SOON)).isInstanceOf(CallbackOutcome.Authorized.class);

        HttpResponse<String> again = get("code=other&state=" + STATE);

        assertThat(again.body()).contains("This sign-in has already finished");
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void noAnswerInTimeNeedsAHuman() {
        start("127.0.0.1", 0);

        assertThatThrownBy(() -> receiver.await(Duration.ofMillis(200)))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION);
                    assertThat(e.getMessage()).startsWith("no answer from the browser within 200ms");
                    assertThat(e.hint()).contains("--manual");
                });
    }

    @Test
    void aFixedPortInUseIsATemporaryFailure() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> start("127.0.0.1", port))
                    .isInstanceOfSatisfying(IntegException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
                        assertThat(e.getMessage()).startsWith("port " + port + " on 127.0.0.1 is in use");
                        assertThat(e.hint()).contains("another 'integ connect' may be running").contains("redirect-port");
                    });
        }
    }

    @Test
    void aFixedFreePortIsUsedAsGiven() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        start("127.0.0.1", port);
        assertThat(receiver.redirectUri()).isEqualTo(URI.create("http://127.0.0.1:" + port + "/cb/test"));
    }

    @Test
    void localhostListensOnBothLoopbackAddresses() throws Exception {
        start("localhost", 0);
        int port = receiver.redirectUri().getPort();
        assertThat(receiver.redirectUri()).isEqualTo(URI.create("http://localhost:" + port + "/cb/test"));

        assertThat(rawGet(InetAddress.getByName("127.0.0.1"), port, "localhost:" + port, "/cb/test?state=wrong")).startsWith("HTTP/1.1 400");
        assertThat(rejected).hasSize(1);

        assumeTrue(LoopbackListeners.ipv6LoopbackAvailable(), "this machine has no IPv6 loopback");
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return rawGet(InetAddress.getByName("::1"), port, "localhost:" + port, "/cb/test?code=" + CODE + "&state=" + STATE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
        receiver.answer(signedIn());
        assertThat(answer.get(SOON.toSeconds(), TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");
    }

    @Test
    void localhostWithAFixedPortTakenOnIpv6IsATemporaryFailure() throws IOException {
        assumeTrue(LoopbackListeners.ipv6LoopbackAvailable(), "this machine has no IPv6 loopback");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> start("localhost", port))
                    .isInstanceOfSatisfying(IntegException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
                        assertThat(e.getMessage()).startsWith("port " + port + " on ::1 is in use");
                    });
            // and the IPv4 socket opened first was let go
            try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                assertThat(again.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void aRepeatedStateIsRejected() throws Exception {
        start("127.0.0.1", 0);

        assertThat(get("code=" + CODE + "&state=" + STATE + "&state=" + STATE).statusCode()).isEqualTo(400);
        assertThat(rejected).containsExactly(new CallbackOutcome.Rejected("the answer repeats state"));
    }

    @Test
    void ipv6LoopbackOnly() throws Exception {
        assumeTrue(LoopbackListeners.ipv6LoopbackAvailable(), "this machine has no IPv6 loopback");
        start("::1", 0);
        int port = receiver.redirectUri().getPort();
        assertThat(receiver.redirectUri()).isEqualTo(URI.create("http://[::1]:" + port + "/cb/test"));

        assertThat(finish("code=" + CODE + "&state=" + STATE).statusCode()).isEqualTo(200);
        assertThat(receiver.await(SOON)).isEqualTo(new CallbackOutcome.Authorized(CODE));
    }

    @Test
    void closeIsIdempotentAndStopsListening() throws Exception {
        start("127.0.0.1", 0);
        URI uri = receiver.redirectUri();
        receiver.close();
        receiver.close();

        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(uri).timeout(SOON).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    /** A request with a Host header of our choosing, which java.net.http does not allow to set. */
    private String rawGet(InetAddress address, int port, String host, String target) throws IOException {
        try (Socket socket = new Socket(address, port)) {
            socket.setSoTimeout((int) SOON.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            synchronized (bodies) {
                bodies.add(response);
            }
            return response;
        }
    }

    /** The CSP hash of the page's one style element. */
    private static String styleHash(String page) throws Exception {
        String style = page.substring(page.indexOf("<style>") + 7, page.indexOf("</style>"));
        return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(style.getBytes(StandardCharsets.UTF_8)));
    }
}
