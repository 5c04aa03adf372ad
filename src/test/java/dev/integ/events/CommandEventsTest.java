package dev.integ.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command that changes credentials or keys records its event, and does nothing when it cannot. */
class CommandEventsTest {
    private static final String TOKENS = """
            {"provider":"slack","user":"alice","access_token":"xoxb-EVENT-SECRET-alice","scopes":"chat:write"}
            {"provider":"google","user":"bob@example.com","access_token":"ya29.EVENT-SECRET-bob","refresh_token":"1//EVENT-SECRET-r","expires_in":3600}
            """;
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void fresh() throws IOException {
        vault.reset();
        // an earlier test's in-place rotate-master kept the key before it: a later rotation would be refused for that
        Files.deleteIfExists(vault.masterKeyFile().resolveSibling(vault.masterKeyFile().getFileName() + ".previous"));
        vault.okWithInput(TOKENS, "import", "--file", "-");
    }

    private static List<JsonNode> events() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : vault.ok("events", "-o", "json").out().split("\n")) {
            if (!line.isBlank()) {
                out.add(new ObjectMapper().readTree(line));
            }
        }
        return out;
    }

    private static JsonNode last() throws Exception {
        List<JsonNode> all = events();
        return all.get(all.size() - 1);
    }

    private static String hmac(String user) {
        return vault.ok("events", "hash-user", user).out().trim();
    }

    /** Table: a command, and the event it must leave last. */
    record Case(String[] command, String action, String provider, String user) {
    }

    @Test
    void eachCommandRecordsItsEvent() throws Exception {
        String oldKey = vault.primaryKey();
        List<Case> cases = List.of(
                new Case(new String[] {"forget", "slack", "--user", "alice", "--yes"}, "forget", "slack", "alice"),
                new Case(new String[] {"keys", "rotate"}, "keys.rotate", null, null),
                new Case(new String[] {"keys", "rewrap"}, "keys.rewrap", null, null),
                new Case(new String[] {"keys", "retire", oldKey}, "keys.retire", null, null),
                new Case(new String[] {"keys", "rotate-master"}, "keys.rotate_master", null, null),
                new Case(new String[] {"ratelimit", "reset", "slack", "--user", "carol", "--yes"}, "ratelimit.reset", "slack", "carol"));
        for (Case c : cases) {
            vault.ok(c.command());
            JsonNode event = last();
            assertThat(event.get("action").asText()).as(String.join(" ", c.command())).isEqualTo(c.action());
            assertThat(event.get("result").asText()).isEqualTo("success");
            if (c.provider() != null) {
                assertThat(event.get("provider").asText()).isEqualTo(c.provider());
            }
            if (c.user() != null) {
                assertThat(event.get("user_hmac").asText()).isEqualTo(hmac(c.user()));
            }
            assertThat(event.get("correlation").asText()).isNotBlank();
        }
        // after rotate-master the HMAC key moved along: users still hash, the same way as before
        vault.ok("ratelimit", "reset", "slack", "--user", "alice", "--yes");
        assertThat(last().get("user_hmac").asText()).isEqualTo(hmac("alice"));
    }

    @Test
    void importRecordsStartThenSuccessAndRejection() throws Exception {
        List<JsonNode> imports = events().stream().filter(e -> e.get("action").asText().startsWith("import")).toList();
        assertThat(imports).extracting(e -> e.get("action").asText()).containsExactly("import.start", "import.success");
        assertThat(imports.get(0).get("details").get("to_write").asText()).isEqualTo("2");
        assertThat(imports.get(1).get("details").get("written").asText()).isEqualTo("2");
        assertThat(imports.get(1).get("details").get("unchanged").asText()).isEqualTo("0");
        vault.runWithInput("{\"provider\":\"slack\"}\n", "import", "--file", "-");
        JsonNode rejected = last();
        assertThat(rejected.get("action").asText()).isEqualTo("import.failure");
        assertThat(rejected.get("result").asText()).isEqualTo("failure");
        assertThat(rejected.get("details").get("reason").asText()).isEqualTo("invalid_lines");
    }

    @Test
    void integrityFailuresAreRecordedOnReads() throws Exception {
        try (Jedis jedis = vault.jedis()) {
            jedis.copy("integ:cred:slack:alice", "integ:cred:slack:mallory", false);
        }
        assertThat(vault.run("list").exitCode()).isEqualTo(5);
        List<JsonNode> all = events();
        JsonNode event = all.get(all.size() - 2);
        assertThat(event.get("action").asText()).isEqualTo("integrity.failure");
        assertThat(event.get("result").asText()).isEqualTo("failure");
        assertThat(event.get("user_hmac").asText()).isEqualTo(hmac("mallory"));
        assertThat(all.get(all.size() - 1).get("action").asText()).as("any integrity failure raises an alert").isEqualTo("alert.integrity_failure");
    }

    @Test
    void noSecretAndNoClearUserNameReachesTheLog() throws Exception {
        vault.ok("forget", "google", "--user", "bob@example.com", "--yes");
        String log = vault.ok("events", "-o", "json").out();
        for (String secret : List.of("xoxb-EVENT-SECRET-alice", "ya29.EVENT-SECRET-bob", "1//EVENT-SECRET-r", "bob@example.com", "\"alice\"")) {
            assertThat(log).doesNotContain(secret);
        }
    }

    /** The stream replaced by a string: nothing that changes credentials or keys may go ahead unrecorded. */
    @Test
    void whenTheLogCannotBeWrittenNothingChanges() {
        try (Jedis jedis = vault.jedis()) {
            jedis.del("integ:events:{integ}:log");
            jedis.set("integ:events:{integ}:log", "not a stream");
        }
        Map<String, String> before = vault.snapshot();
        List<String[]> changes = List.of(
                new String[] {"forget", "slack", "--user", "alice", "--yes"},
                new String[] {"keys", "rotate"},
                new String[] {"keys", "rewrap"},
                new String[] {"keys", "rotate-master"},
                new String[] {"ratelimit", "reset", "slack", "--yes"});
        for (String[] command : changes) {
            Cli.Result r = vault.run(command);
            assertThat(r.exitCode()).as(String.join(" ", command) + ": " + r.err()).isEqualTo(5);
            assertThat(r.err()).startsWith("integ: error: ");
        }
        Cli.Result imported = vault.runWithInput("{\"provider\":\"jira\",\"user\":\"carol\",\"access_token\":\"t\"}\n", "import", "--file", "-");
        assertThat(imported.exitCode()).isEqualTo(5);
        assertThat(vault.snapshot()).isEqualTo(before);
    }
}
