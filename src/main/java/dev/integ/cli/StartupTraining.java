package dev.integ.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.subtle.PrfMac;
import dev.integ.Services;
import dev.integ.api.RawCalls;
import dev.integ.config.ConfigLoader;
import dev.integ.config.Environment;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.http.OutboundHttp;
import dev.integ.http.OutboundPolicy;
import dev.integ.http.OutboundRequest;
import dev.integ.http.ProviderAnswer;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.Tink;
import dev.integ.oauth.AccessTokens;
import dev.integ.providers.ProviderCatalog;
import dev.integ.ratelimit.Decision;
import dev.integ.store.UnixSocketFactory;
import dev.integ.vault.Credential;
import dev.integ.vault.Secrets;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Run once, by the launcher, at the end of the invocation that records the start-up archive: it
 * walks the code paths other commands need (Tink, the config parser, JSON, every command's help)
 * so that one archive serves them all. It is local: temporary files only, no store, no network (one
 * HTTP exchange with a server of its own on loopback).
 */
final class StartupTraining {
    private StartupTraining() {
    }

    static void run() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("integ-training");
            PrintWriter sink = new PrintWriter(new StringWriter());
            CommandLine model = CommandLineFactory.model();
            usage(model, sink);

            Path config = dir.resolve("config.yaml");
            Files.writeString(config, "redis:\n  url: redis://127.0.0.1:6379\n  timeout: 3s\nvault:\n  master-key-file: k.json\nnamespace: integ\n");
            ConfigLoader.load(config, true);

            KeysetFileMasterKey master = new KeysetFileMasterKey(dir.resolve("master-key.json"), "training");
            master.create();
            Aead kek = master.aead();
            KeysetHandle data = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
            byte[] ad = "training".getBytes(StandardCharsets.UTF_8);
            KeysetHandle parsed = TinkProtoKeysetFormat.parseEncryptedKeyset(TinkProtoKeysetFormat.serializeEncryptedKeyset(data, kek, ad), kek, ad);
            Aead aead = parsed.getPrimitive(Tink.configuration(), Aead.class);
            aead.decrypt(aead.encrypt(new byte[256], ad), ad);

            // the event log's user HMAC (every command that records an event about a user)
            KeysetHandle hmac = KeysetHandle.generateNew(UserHasher.parameters());
            KeysetHandle hmacParsed = TinkProtoKeysetFormat.parseEncryptedKeyset(TinkProtoKeysetFormat.serializeEncryptedKeyset(hmac, kek, ad), kek, ad);
            PrfMac.create((HmacKey) hmacParsed.getPrimary().getKey()).computeMac(ad);

            // the token path's own classes, up to where it would need a store
            ProviderCatalog.builtIn().resolve("google_drive");
            new AccessTokens(null, null, null, null, null);
            SecurityEvent.success("token.read", "training", "training", Map.of());
            new Credential("training", "training", Credential.ACTIVE, List.of(), null, null, false,
                    Instant.now(), Instant.now(), Map.of()).effectiveStatus(Instant.now());
            new Secrets("training", null, Map.of()).hasRefreshToken();

            Terminal terminal = new Terminal(InputStream.nullInputStream(), sink, sink, () -> ConsoleStreams.NONE, false);
            terminal.printJson(Map.of("at", Instant.now(), "n", 1));
            ConsoleStreams.detect(); // what a command that colours, asks or draws progress looks up
            new ObjectMapper().readTree("{\"provider\":\"slack\",\"scopes\":[\"a\"]}");

            // the store path up to the socket: port 1 on loopback refuses at once
            try (Services services = new Services(new Environment(
                    Map.of("HOME", dir.toString(), "INTEG_REDIS_URL", "redis://127.0.0.1:1", "INTEG_REDIS_TIMEOUT", "1s",
                            "INTEG_MASTER_KEY_FILE", dir.resolve("master-key.json").toString())))) {
                refused(() -> services.store().redis().ping());
                // `integ api` and the commands built on it: the call up to reading the credential (then its
                // event), and the limiter's script; without these the api path loaded ~150 classes more than token
                refused(() -> services.rawCalls().run(new RawCalls.Call("slack", "training", null, "auth.test", List.of("a=b"),
                        List.of("Accept: application/json"), null, false, 1), page -> { }));
                refused(() -> services.rateLimiter().tryAcquire("slack", "training"));
            }
            providerExchange();
            // the embedded store's path up to its unix socket, which does not exist here
            try (Socket none = new UnixSocketFactory(dir.resolve("training.sock"), 1000, 1000).createSocket()) {
                none.getInputStream();
            } catch (RuntimeException noSuchSocket) {
                // expected
            }
        } catch (Exception | LinkageError ignored) {
            // training only makes start-up faster; it must never make a command fail
        } finally {
            delete(dir);
        }
    }

    /** A store call that fails (nothing listens on port 1): only the classes on its way matter. */
    private static void refused(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException expected) {
            // the store is not there
        }
    }

    /**
     * One exchange of {@link OutboundHttp} (HttpURLConnection, the answer's headers and JSON) with a
     * server on loopback in this process, which answers once like Slack's auth.test: no network.
     */
    private static void providerExchange() {
        byte[] answer = ("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 11\r\n"
                + "\r\n{\"ok\":true}").getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(2000);
            Thread once = new Thread(() -> {
                try (Socket client = server.accept()) {
                    client.setSoTimeout(2000);
                    InputStream in = client.getInputStream();
                    // the request's head ends with an empty line
                    for (int last = 0, b; (b = in.read()) != -1; ) {
                        last = b == '\r' ? last : (last << 8 | b) & 0xFFFF;
                        if (last == ('\n' << 8 | '\n')) {
                            break;
                        }
                    }
                    client.getOutputStream().write(answer);
                } catch (IOException ignored) {
                    // the training call fails, which is all right
                }
            }, "integ-training-http");
            once.setDaemon(true);
            once.start();
            OutboundHttp http = new OutboundHttp((provider, user) -> new Decision(true, Duration.ZERO, null, 1, 1),
                    new OutboundPolicy(1, Duration.ofSeconds(3), Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO,
                            Duration.ofSeconds(1), Duration.ofSeconds(2)));
            String host = server.getInetAddress().getHostAddress();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                            + server.getLocalPort() + "/api/auth.test"))
                    .header("Authorization", "Bearer training").method("GET", HttpRequest.BodyPublishers.noBody()).build();
            ProviderAnswer reply = http.call(OutboundRequest.of("slack", "training", "GET auth.test", request));
            reply.json().path("ok").asBoolean();
            reply.headers().firstValue("WWW-Authenticate");
        } catch (IOException | RuntimeException failed) {
            // no loopback socket here, or the exchange failed: the steps after this one still run
        }
    }

    private static void usage(CommandLine command, PrintWriter sink) {
        command.usage(sink, CommandLine.Help.Ansi.OFF);
        command.getSubcommands().values().forEach(sub -> usage(sub, sink));
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
