package dev.integ.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.fakes.ScriptedBrowser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The flood of issue 11: 12,000 bogus callbacks (wrong state) to the loopback receiver of a real
 * `integ connect acme --user gina`, over real HTTP from a few threads, while the browser waits; then
 * the browser's real answer. The sign-in succeeds, the flood becomes a handful of state.mismatch
 * events that carry its size, and nothing recorded before it is pushed out of the log (which keeps
 * 10,000 events by default: one event per bogus callback used to erase everything).
 */
class CallbackFloodTest {
    private static final int BOGUS = 12_000;
    private static final int THREADS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    @Test
    void aFloodOfBogusCallbacksIsCoalescedAndShedAndTheSignInStillSucceeds() throws Exception {
        // history a responder needs: keys.init (the fixture's reset), a sign-in, a token read, an integrity failure and its alert
        f.connect("google", "alice");
        f.ok("token", "google", "--user", "alice");
        try (Jedis jedis = f.vault.jedis()) {
            assertThat(jedis.copy("integ:cred:google:alice", "integ:cred:google:bob", false)).isTrue();
        }
        assertThat(f.run("list").exitCode()).isEqualTo(5);
        List<JsonNode> before = events();
        assertThat(before).extracting(e -> e.get("action").asText())
                .contains("keys.init", "connect.start", "connect.success", "token.read", "integrity.failure", "alert.integrity_failure");

        Flood flood = new Flood();
        f.browser.behaviour(ScriptedBrowser.Behaviour.followAfter(flood::run));
        long start = System.nanoTime();
        Cli.Result connect = f.run("connect", "acme", "--user", "gina", "--timeout", "5m");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(connect.exitCode()).as(connect.err()).isZero();
        assertThat(connect.out()).startsWith("connected acme/gina");
        assertThat(f.browser.failure()).isEmpty();
        assertThat(flood.failures).isEmpty();
        // the receiver showed its page to the first few, then shed the rest with a fixed 429
        assertThat(flood.statuses).containsOnlyKeys(400, 429);
        assertThat(flood.statuses.get(400).sum()).isEqualTo(CallbackHandler.SHED_AFTER);
        assertThat(flood.statuses.get(429).sum()).isEqualTo(BOGUS - CallbackHandler.SHED_AFTER);
        // the page is answered once the credential is stored, so the browser may still be reading it
        assertThat(f.browser.awaitDone(Duration.ofSeconds(30))).isTrue();
        assertThat(f.browser.receiverStatuses()).last().isEqualTo(200);

        List<JsonNode> after = events();
        List<String> ids = after.stream().map(e -> e.get("id").asText()).toList();
        assertThat(ids).as("every event recorded before the flood").containsAll(before.stream().map(e -> e.get("id").asText()).toList());

        List<JsonNode> mismatches = after.stream().filter(e -> e.get("action").asText().equals("state.mismatch")).toList();
        // the first at once, at most one per interval while it lasts, and a summary at the end
        long bound = 2 + elapsedMillis / RejectedCallbacks.INTERVAL.toMillis();
        assertThat(mismatches).hasSizeBetween(1, (int) bound).allSatisfy(e -> {
            assertThat(e.get("provider").asText()).isEqualTo("acme");
            assertThat(e.get("result").asText()).isEqualTo("failure");
            assertThat(e.get("details").get("reason").asText()).isEqualTo("state does not match this sign-in");
        });
        JsonNode last = mismatches.get(mismatches.size() - 1).get("details");
        assertThat(last.get("count").asLong()).isEqualTo(BOGUS);
        assertThat(last.get("reasons").asText()).isEqualTo("state does not match this sign-in: " + BOGUS);
        assertThat(Instant.parse(last.get("first").asText())).isBeforeOrEqualTo(Instant.parse(last.get("last").asText()));
        assertThat(mismatches).extracting(e -> e.get("details").get("count").asLong()).isSorted();

        // the integrity alert raised before the flood is still there for cron to find
        Cli.Result check = f.run("events", "check", "--since", "1h");
        assertThat(check.exitCode()).isEqualTo(1);
        assertThat(check.out()).contains("alert.integrity_failure").contains("alert.state_mismatch");
    }

    private static List<JsonNode> events() throws IOException {
        List<JsonNode> all = new ArrayList<>();
        for (String line : f.ok("events", "-o", "json").out().split("\n")) {
            if (!line.isBlank()) {
                all.add(JSON.readTree(line));
            }
        }
        return all;
    }

    /** {@link #BOGUS} GETs of the receiver's callback path with a forged state, from {@link #THREADS} threads; returns when all are answered. */
    private static final class Flood {
        final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();

        void run(String redirect) {
            URI uri = URI.create(redirect);
            String target = uri.getRawPath() + "?code=forged&state=not-" + Long.toHexString(System.nanoTime());
            String host = uri.getHost() + ":" + uri.getPort();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; i < BOGUS / THREADS; i++) {
                            statuses.computeIfAbsent(get(uri.getPort(), host, target), s -> new LongAdder()).increment();
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "flood-" + t);
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        /** One request on its own connection (the receiver closes every connection after its answer); returns the status. */
        private static int get(int port, String host, String target) {
            try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                if (!response.startsWith("HTTP/1.1 ")) {
                    throw new IllegalStateException("not an HTTP answer: " + response);
                }
                return Integer.parseInt(response.substring(9, 12));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
