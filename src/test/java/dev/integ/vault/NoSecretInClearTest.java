package dev.integ.vault;

import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No secret is ever in clear where it could be read: not in any Redis key or value (records,
 * keyset, lock), not on disk (embedded store's append-only file, master key file), not in anything
 * integ prints, even with -v and on errors.
 */
class NoSecretInClearTest {
    // Distinctive, so finding one anywhere cannot be a coincidence.
    private static final String RUN = UUID.randomUUID().toString().replace("-", "");
    private static final String SLACK_ACCESS = "xoxb-" + RUN + "-access";
    private static final String SLACK_REFRESH = "xoxe-" + RUN + "-refresh";
    private static final String GOOGLE_ACCESS = "ya29." + RUN + "-access";
    private static final String GOOGLE_REFRESH = "1//" + RUN + "-refresh";
    private static final String GOOGLE_ID_TOKEN = "eyJ" + RUN + "-id-token";
    private static final String JIRA_ACCESS = "jira-" + RUN + "-access";
    private static final String REPLACED_ACCESS = "xoxb-" + RUN + "-replaced";
    private static final String REJECTED_ACCESS = "xoxb-" + RUN + "-in-a-bad-line";
    private static final List<String> TOKENS = List.of(SLACK_ACCESS, SLACK_REFRESH, GOOGLE_ACCESS, GOOGLE_REFRESH, GOOGLE_ID_TOKEN,
            JIRA_ACCESS, REPLACED_ACCESS, REJECTED_ACCESS);
    private static final String FILE = String.join("\n",
            "{\"provider\":\"slack\",\"user\":\"alice@example.com\",\"access_token\":\"" + SLACK_ACCESS + "\",\"refresh_token\":\""
                    + SLACK_REFRESH + "\",\"expires_in\":43200,\"refresh_expires_in\":2592000,\"scopes\":\"chat:write\","
                    + "\"metadata\":{\"team\":\"T0001\"}}",
            "{\"provider\":\"google\",\"user\":\"bob@example.com\",\"access_token\":\"" + GOOGLE_ACCESS + "\",\"refresh_token\":\""
                    + GOOGLE_REFRESH + "\",\"expires_in\":3599,\"scopes\":[\"email\",\"openid\"],\"secrets\":{\"id_token\":\""
                    + GOOGLE_ID_TOKEN + "\"}}",
            "{\"provider\":\"jira\",\"user\":\"carol\",\"access_token\":\"" + JIRA_ACCESS + "\"}", "");

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();
    private final List<Cli.Result> printed = new ArrayList<>();

    private Cli.Result keep(Cli.Result r) {
        printed.add(r);
        return r;
    }

    @Test
    void noTokenInRedisNorInAnythingIntegPrints() throws IOException {
        vault.reset();
        assertThat(keep(vault.runWithInput(FILE, "import", "--file", "-", "-v")).exitCode()).isZero();
        keep(vault.ok("list"));
        keep(vault.ok("list", "-o", "json", "-v"));
        keep(vault.ok("show", "slack", "--user", "alice@example.com", "-v"));
        keep(vault.ok("show", "google", "--user", "bob@example.com", "-o", "json"));
        keep(vault.ok("keys", "status", "-v"));
        keep(vault.ok("keys", "status", "-o", "json"));
        keep(vault.ok("keys", "rotate", "-v"));
        keep(vault.ok("keys", "rewrap", "-v", "-o", "json"));
        keep(vault.okWithInput("{\"provider\":\"jira\",\"user\":\"carol\",\"access_token\":\"" + REPLACED_ACCESS + "\"}\n",
                "import", "--file", "-", "--replace", "-v"));
        // errors: a rejected file (the token is in a line that is not valid JSON), a conflict, a damaged record
        Cli.Result rejected = keep(vault.runWithInput("{\"provider\":\"slack\",\"user\":\"x\",\"access_token\":\"" + REJECTED_ACCESS + "\",}\n"
                + "{\"provider\":\"slack\",\"user\":\"y\",\"access_token\":\"" + REJECTED_ACCESS + "\",\"token\":\"" + REJECTED_ACCESS + "\"}\n",
                "import", "--file", "-", "-v"));
        assertThat(rejected.exitCode()).isEqualTo(2);
        Cli.Result conflict = keep(vault.runWithInput(FILE, "import", "--file", "-", "-v"));
        assertThat(conflict.exitCode()).isEqualTo(2);
        try (Jedis jedis = vault.jedis()) {
            jedis.copy("integ:cred:slack:alice@example.com", "integ:cred:jira:carol", true);
        }
        assertThat(keep(vault.run("list", "-v")).exitCode()).isEqualTo(5);
        assertThat(keep(vault.run("show", "jira", "--user", "carol", "-v")).exitCode()).isEqualTo(5);

        for (Cli.Result r : printed) {
            for (String token : TOKENS) {
                assertThat(r.out()).as("stdout").doesNotContain(token).doesNotContain(RUN);
                assertThat(r.err()).as("stderr").doesNotContain(token).doesNotContain(RUN);
            }
        }
        assertNotInRedis();
        String masterKey = Files.readString(vault.masterKeyFile());
        assertThat(masterKey).contains("\"primaryKeyId\"").doesNotContain(RUN);
    }

    /** Every key of every database, every hash field and value, every string, as bytes. */
    private static void assertNotInRedis() {
        try (Jedis jedis = vault.jedis()) {
            List<String> keys = VaultFixture.allKeys(jedis);
            assertThat(keys).contains("integ:keyset", "integ:cred:slack:alice@example.com", "integ:cred:google:bob@example.com");
            int values = 0;
            for (String key : keys) {
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                assertNoToken(key, k);
                switch (jedis.type(k)) {
                    case "hash" -> {
                        for (Map.Entry<byte[], byte[]> e : jedis.hgetAll(k).entrySet()) {
                            assertNoToken(key + " field name", e.getKey());
                            assertNoToken(key + " " + new String(e.getKey(), StandardCharsets.UTF_8), e.getValue());
                            values++;
                        }
                    }
                    case "string" -> {
                        assertNoToken(key, jedis.get(k));
                        values++;
                    }
                    default -> {
                        assertNoToken(key, jedis.dump(k));
                        values++;
                    }
                }
            }
            assertThat(values).isGreaterThan(6);
        }
    }

    private static void assertNoToken(String where, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1); // byte for byte
        assertThat(text).as(where).doesNotContain(RUN);
        for (String token : TOKENS) {
            assertThat(text).as(where).doesNotContain(token);
        }
    }

    /** The embedded store keeps an append-only file on disk (fsync always): tokens must not be in it either. */
    @Test
    void noTokenOnDiskWithTheEmbeddedStore() throws IOException {
        Cli cli = Cli.inTempHome();
        try {
            assertThat(cli.run("keys", "init").exitCode()).isZero();
            Cli.Result imported = cli.runWithInput(FILE, "import", "--file", "-");
            assertThat(imported.exitCode()).as(imported.err()).isZero();
            assertThat(cli.run("list").out()).contains("alice@example.com", "bob@example.com", "carol");
            Path masterKey = cli.home().resolve("data/integ/master-key.json");
            assertThat(masterKey).exists();
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(masterKey))).isEqualTo("rw-------");
        } finally {
            cli.run("store", "stop");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(cli.home())) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        long appendOnly = files.stream().filter(p -> p.toString().contains("appendonly")).mapToLong(p -> p.toFile().length()).sum();
        assertThat(appendOnly).as("the append-only files hold the records").isGreaterThan(500);
        for (Path file : files) {
            assertNoToken(file.toString(), Files.readAllBytes(file));
        }
        VaultFixture.deleteRecursively(cli.home());
    }

    @AfterEach
    void clear() {
        printed.clear();
    }
}
