package dev.integ.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.subtle.PrfMac;
import dev.integ.Services;
import dev.integ.config.ConfigLoader;
import dev.integ.config.Environment;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.Tink;
import dev.integ.oauth.AccessTokens;
import dev.integ.providers.ProviderCatalog;
import dev.integ.store.UnixSocketFactory;
import dev.integ.vault.Credential;
import dev.integ.vault.Secrets;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Run once, by the launcher, at the end of the invocation that records the start-up archive: it
 * walks the code paths other commands need (Tink, the config parser, JSON, every command's help)
 * so that one archive serves them all. It is local: temporary files only, no store, no network.
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
                    Map.of("HOME", dir.toString(), "INTEG_REDIS_URL", "redis://127.0.0.1:1", "INTEG_REDIS_TIMEOUT", "1s")))) {
                services.store().redis().ping();
            } catch (RuntimeException refused) {
                // expected
            }
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
