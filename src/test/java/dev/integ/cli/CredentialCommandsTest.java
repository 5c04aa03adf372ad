package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** show, list filters and forget on stored credentials, and how long Redis keeps each record. */
class CredentialCommandsTest {
    private static final long TOLERANCE = Duration.ofMinutes(1).toMillis();
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void freshStore() {
        vault.reset();
        vault.okWithInput("""
                {"provider":"slack","user":"alice","access_token":"xoxb-a","scopes":"chat:write"}
                {"provider":"slack","user":"bob","access_token":"xoxb-b"}
                {"provider":"google","user":"alice","access_token":"ya29-a","expires_in":600}
                """, "import", "--file", "-");
    }

    // ---- show ----

    @Test
    void showPrintsMetadataOnly() {
        Cli.Result r = vault.ok("show", "slack", "--user", "alice");
        assertThat(r.out()).containsPattern("(?m)^provider\\s+slack$").containsPattern("(?m)^user\\s+alice$")
                .containsPattern("(?m)^status\\s+active$").containsPattern("(?m)^scopes\\s+chat:write$")
                .containsPattern("(?m)^expires_at\\s+-$").containsPattern("(?m)^refresh_token\\s+false$")
                .doesNotContain("xoxb");
        JsonNode json = json(vault.ok("show", "google", "--user", "alice", "-o", "json"));
        assertThat(json.get("provider").asText()).isEqualTo("google");
        assertThat(Instant.parse(json.get("expires_at").asText())).isBetween(Instant.now(), Instant.now().plusSeconds(600));
    }

    @Test
    void showOfAnUnknownCredentialIsNotFound() {
        for (String[] who : new String[][] {{"slack", "carol"}, {"jira", "alice"}}) {
            Cli.Result r = vault.run("show", who[0], "--user", who[1]);
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).isEqualTo("integ: error: no " + who[0] + " credential for " + who[1] + "\n"
                    + "integ: hint: 'integ list --user " + who[1] + "' shows what is stored; 'integ connect " + who[0] + " --user " + who[1] + "' adds it\n");
        }
    }

    @Test
    void listFilters() {
        assertThat(json(vault.ok("list", "-o", "json", "--provider", "slack")).findValuesAsText("user")).containsExactlyInAnyOrder("alice", "bob");
        assertThat(json(vault.ok("list", "-o", "json", "--user", "alice")).findValuesAsText("provider"))
                .containsExactlyInAnyOrder("slack", "google");
        assertThat(json(vault.ok("list", "-o", "json", "--provider", "slack", "--user", "bob")).findValuesAsText("user")).containsExactly("bob");
        assertThat(json(vault.ok("list", "-o", "json", "--expiring-within", "1h")).findValuesAsText("provider")).containsExactly("google");
        assertThat(json(vault.ok("list", "-o", "json", "--status", "needs_reauth"))).isEmpty();
        Cli.Result bad = vault.run("list", "--status", "broken");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).startsWith("integ: error: invalid --status 'broken': expected active, expired or needs_reauth\n");
    }

    /** User names go into Redis keys percent-encoded; list (which decodes them from SCAN) and show must agree. */
    @Test
    void unusualUserNamesRoundTrip() {
        java.util.List<String> users = java.util.List.of("a b", "x:y", "100%", "%2B", "a+b@example.com", "jos\u00e9", "{tag}", "*", "o'neil/\\");
        StringBuilder file = new StringBuilder();
        for (String user : users) {
            file.append("{\"provider\":\"jira\",\"user\":").append(com.fasterxml.jackson.databind.node.TextNode.valueOf(user))
                    .append(",\"access_token\":\"t\"}\n");
        }
        vault.okWithInput(file.toString(), "import", "--file", "-");

        Cli.Result list = vault.ok("list", "-o", "json", "--provider", "jira");
        assertThat(list.err()).isEmpty();
        assertThat(json(list).findValuesAsText("user")).containsExactlyInAnyOrderElementsOf(users);
        for (String user : users) {
            assertThat(json(vault.ok("show", "jira", "--user", user, "-o", "json")).get("user").asText()).isEqualTo(user);
            assertThat(json(vault.ok("list", "-o", "json", "--provider", "jira", "--user", user)).findValuesAsText("user")).containsExactly(user);
        }
        vault.ok("forget", "jira", "--user", "*", "--yes");
        assertThat(json(vault.ok("list", "-o", "json", "--provider", "jira"))).hasSize(users.size() - 1);
    }

    // ---- forget ----

    @Test
    void forgetWithoutYesAndNoTerminalRefusesAndKeepsTheRecord() {
        Cli.Result r = vault.run("forget", "slack", "--user", "alice");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("integ: error: refusing to delete slack/alice without confirmation: there is no terminal to ask on\n"
                + "integ: hint: add --yes\n");
        assertThat(vault.ok("show", "slack", "--user", "alice").out()).contains("alice");
        // a "y" on standard input is no terminal either
        assertThat(vault.runWithInput("y\n", "forget", "slack", "--user", "alice").exitCode()).isEqualTo(2);
        assertThat(vault.credentialKeys()).contains("integ:cred:slack:alice");
    }

    @Test
    void forgetWithYesDeletesOnlyThatCredential() {
        Cli.Result r = vault.ok("forget", "slack", "--user", "alice", "--yes");
        assertThat(r.out()).isEqualTo("forgot slack/alice\n");
        assertThat(r.err()).isEmpty();
        assertThat(vault.credentialKeys()).containsExactlyInAnyOrder("integ:cred:slack:bob", "integ:cred:google:alice");

        Cli.Result show = vault.run("show", "slack", "--user", "alice");
        assertThat(show.exitCode()).isEqualTo(3);

        Cli.Result again = vault.run("forget", "slack", "--user", "alice", "-y");
        assertThat(again.exitCode()).isEqualTo(3);
        assertThat(again.err()).isEqualTo("integ: error: no slack credential for alice\n"
                + "integ: hint: 'integ list --user alice' shows what is stored; 'integ connect slack --user alice' adds it\n");

        assertThat(json(vault.ok("forget", "google", "--user", "alice", "--yes", "-o", "json")))
                .isEqualTo(json(new Cli.Result(0, "{\"forgotten\":\"google/alice\"}", "")));
        assertThat(json(vault.ok("list", "-o", "json")).findValuesAsText("user")).containsExactly("bob");
    }

    // ---- retention: Redis forgets a record once it can no longer be used ----

    @Test
    void redisKeepsEachRecordAsLongAsItCanBeUsed() {
        vault.okWithInput("""
                {"provider":"slack","user":"refresh-30d","access_token":"a1","refresh_token":"r1","expires_in":3600,"refresh_expires_in":2592000}
                {"provider":"slack","user":"refresh-1d-at","access_token":"a2","refresh_token":"r2","expires_in":3600,"refresh_expires_at":"%s"}
                {"provider":"slack","user":"never-expires","access_token":"a3"}
                {"provider":"slack","user":"access-1h","access_token":"a4","expires_in":3600}
                {"provider":"slack","user":"refresh-forever","access_token":"a5","refresh_token":"r5","expires_in":3600}
                """.formatted(Instant.now().plus(Duration.ofDays(1))), "import", "--file", "-");

        Map<String, Long> expected = Map.of(
                "refresh-30d", Duration.ofDays(30).toMillis(),
                "refresh-1d-at", Duration.ofDays(1).toMillis(),
                "access-1h", Duration.ofHours(1).toMillis());
        assertRetention(expected);
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.pttl("integ:cred:slack:never-expires")).as("nothing expires").isEqualTo(-1);
            assertThat(jedis.pttl("integ:cred:slack:refresh-forever")).as("a refresh token with no known end").isEqualTo(-1);
        }

        // a rewrap keeps each record's retention
        vault.ok("keys", "rotate");
        assertThat(json(vault.ok("keys", "rewrap", "-o", "json")).get("rewrapped").asLong()).isEqualTo(8);
        assertRetention(expected);

        // replacing with a credential that never expires drops the TTL
        vault.okWithInput("{\"provider\":\"slack\",\"user\":\"access-1h\",\"access_token\":\"a4-forever\"}\n", "import", "--file", "-", "--replace");
        try (Jedis jedis = vault.jedis()) {
            assertThat(jedis.pttl("integ:cred:slack:access-1h")).isEqualTo(-1);
        }
    }

    private static void assertRetention(Map<String, Long> expectedMillis) {
        try (Jedis jedis = vault.jedis()) {
            expectedMillis.forEach((user, millis) -> assertThat(jedis.pttl("integ:cred:slack:" + user)).as(user)
                    .isBetween(millis - TOLERANCE, millis));
        }
    }

    @Test
    void anAliasNamesTheSameCredentialEverywhere() {
        vault.okWithInput("{\"provider\":\"google_drive\",\"user\":\"dave\",\"access_token\":\"ya29-d\"}\n", "import", "--file", "-");
        assertThat(json(vault.ok("show", "google", "--user", "dave", "-o", "json")).get("provider").asText()).isEqualTo("google");
        assertThat(json(vault.ok("show", "google_drive", "--user", "dave", "-o", "json")).get("provider").asText()).isEqualTo("google");
        assertThat(json(vault.ok("list", "--provider", "google_drive", "-o", "json")).findValuesAsText("user")).contains("dave", "alice");
        assertThat(vault.ok("token", "google_drive", "--user", "dave").out()).isEqualTo("ya29-d\n");
        vault.ok("forget", "google_drive", "--user", "dave", "--yes");
        assertThat(vault.run("show", "google", "--user", "dave").exitCode()).isEqualTo(3);
    }

    @Test
    void aTokenOfAProviderIntegHasNoSettingsForCanStillBeReadAndForgotten() {
        vault.okWithInput("{\"provider\":\"github\",\"user\":\"erin\",\"access_token\":\"gho_e\"}\n", "import", "--file", "-",
                "--allow-unknown-provider");
        assertThat(vault.ok("token", "github", "--user", "erin").out()).isEqualTo("gho_e\n");
        Cli.Result refresh = vault.run("refresh", "github", "--user", "erin");
        assertThat(refresh.exitCode()).isEqualTo(2);
        assertThat(refresh.err()).contains("unknown provider 'github'");
        Cli.Result revoke = vault.run("revoke", "--all-for-user", "erin", "--yes");
        assertThat(revoke.exitCode()).isEqualTo(2);
        assertThat(vault.run("show", "github", "--user", "erin").exitCode()).isZero(); // kept: it was not revoked
        assertThat(vault.ok("revoke", "github", "--user", "erin", "--local-only", "--yes").out()).contains("deleted github/erin here only");
        // nothing stored under it any more: an unknown provider again, like any other
        assertThat(vault.run("show", "github", "--user", "erin").exitCode()).isEqualTo(2);
    }
}
