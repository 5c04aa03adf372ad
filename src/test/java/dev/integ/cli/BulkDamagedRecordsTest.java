package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bulk commands (`refresh --all`, `revoke --all-for-user`, `keys rewrap`) pass over no record in
 * silence: every record that does not verify is named on stderr and in the JSON document, counted in
 * the summary, left exactly as it was, and makes the exit code 5; revoke says that the grant is still
 * live at the provider and what to do there.
 */
class BulkDamagedRecordsTest {
    private static final String NOT_VERIFIED = "it does not verify: altered, or moved here from another provider, user or namespace";

    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    /** Flips one bit of the record's ciphertext, as a failing disk or a careless hand would. */
    private static void damage(String key) {
        try (Jedis jedis = f.vault.jedis()) {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            byte[] field = "data".getBytes(StandardCharsets.UTF_8);
            byte[] data = jedis.hget(k, field);
            data[data.length - 1] ^= 1;
            jedis.hset(k, field, data);
        }
    }

    private static String record(String key) {
        return f.vault.snapshot().get(key);
    }

    private static String named(String name, String key) {
        return "integ: error: integrity failure: credential " + name + " (" + key + "): " + NOT_VERIFIED;
    }

    // ---- refresh --all ----

    @Test
    void refreshAllNamesADamagedRecordLeavesItAsItWasAndExits5() {
        f.google.accessTokenLifetime(Duration.ofMinutes(10));
        f.connect("google", "alice");
        f.connect("google", "bob");
        f.google.accessTokenLifetime(Duration.ofHours(1));
        damage("integ:cred:google:bob");
        String bob = record("integ:cred:google:bob");
        int refreshes = f.google.refreshGrants();

        Cli.Result table = f.run("refresh", "--all", "--expiring-within", "30m");
        assertThat(table.exitCode()).as(table.err()).isEqualTo(5);
        assertThat(table.out()).contains("refreshed google/alice").contains("1 refreshed, 0 already fresh, 0 failed, 1 damaged, 0 skipped");
        assertThat(table.err()).isEqualTo(named("google/bob", "integ:cred:google:bob") + "; not refreshed, left as it was\n"
                + "integ: error: 1 damaged record left as it was (not refreshed)\n"
                + "integ: hint: restore them from a backup or connect the accounts again; 'integ list' names them too\n");
        assertThat(f.google.refreshGrants()).as("only alice was refreshed").isEqualTo(refreshes + 1);

        Cli.Result json = f.run("refresh", "--all", "--expiring-within", "2h", "-o", "json");
        assertThat(json.exitCode()).isEqualTo(5);
        JsonNode doc = json(json);
        assertThat(doc.path("damaged").asInt()).isEqualTo(1);
        JsonNode damaged = doc.path("credentials").get(0);
        assertThat(damaged.path("outcome").asText()).isEqualTo("damaged");
        assertThat(damaged.path("user").asText()).isEqualTo("bob");
        assertThat(damaged.path("reason").asText()).isEqualTo(NOT_VERIFIED);
        assertThat(damaged.path("exit_code").asInt()).isEqualTo(5);
        assertThat(json.err()).contains(named("google/bob", "integ:cred:google:bob"));

        assertThat(record("integ:cred:google:bob")).as("never changed or deleted").isEqualTo(bob);
    }

    @Test
    void refreshAllNamesAnExpiringCredentialItCannotRefreshAsSkipped() {
        f.vault.okWithInput("{\"provider\":\"slack\",\"user\":\"carol\",\"access_token\":\"xoxb-carol\",\"expires_in\":600}\n",
                "import", "--file", "-");
        Cli.Result r = f.run("refresh", "--all", "--expiring-within", "30m", "-o", "json");
        assertThat(r.exitCode()).as("nothing failed; no run can change it: %s", r.err()).isZero();
        assertThat(r.err()).startsWith("integ: warning: skipped slack/carol: no refresh token, so it cannot be refreshed; its access token expires ")
                .contains("'integ connect slack --user carol' signs in again");
        JsonNode doc = json(r);
        assertThat(doc.path("skipped").asInt()).isEqualTo(1);
        assertThat(doc.path("credentials").get(0).path("outcome").asText()).isEqualTo("skipped");
    }

    // ---- revoke --all-for-user ----

    @Test
    void revokeAllForUserKeepsADamagedRecordAndSaysItsGrantIsStillLiveAtTheProvider() {
        f.connect("google", "alice");
        String googleGrant = f.google.latestRefreshToken();
        f.connect("slack", "alice");
        damage("integ:cred:google:alice");
        String google = record("integ:cred:google:alice");
        int revocations = f.google.revokeCalls();

        Cli.Result r = f.run("revoke", "--all-for-user", "alice", "--yes");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(5);
        assertThat(r.out()).isEqualTo("kept google/alice: its record is damaged, so it was neither revoked nor deleted; "
                + "its grant is still live at the provider\n"
                + "revoked slack/alice at the provider and deleted it here\n"
                + "1 ended, 0 failed and kept, 1 damaged and kept\n");
        assertThat(r.err()).isEqualTo(named("google/alice", "integ:cred:google:alice")
                + ": kept here (nothing erased) and not revoked: its grant is still live at Google Drive\n"
                + "integ: hint: at Google Drive: the account owner removes integ's access in their Google Account (Security > third-party "
                + "apps and services), or a Workspace admin removes it in the Admin console (Security > API controls); then "
                + "'integ forget google --user alice --yes' deletes the damaged record here (or restore it from a backup and run "
                + "'integ revoke google --user alice')\n"
                + "integ: error: 1 of 2 credentials of alice kept: 0 failed, 1 damaged\n");
        assertThat(record("integ:cred:google:alice")).as("nothing erased").isEqualTo(google);
        assertThat(f.google.revokeCalls()).isEqualTo(revocations);
        assertThat(f.google.refreshTokenUsable(googleGrant)).as("the grant is still live at Google").isTrue();
        assertThat(f.run("show", "slack", "--user", "alice").exitCode()).isEqualTo(3);
    }

    @Test
    void revokeAllForUserLocalOnlyKeepsADamagedRecordTooAndSaysSoInJson() {
        f.connect("jira", "alice");
        f.connect("google", "alice");
        damage("integ:cred:jira:alice");
        String jira = record("integ:cred:jira:alice");

        Cli.Result r = f.run("revoke", "--all-for-user", "alice", "--local-only", "--yes", "-o", "json");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(5);
        JsonNode doc = json(r);
        assertThat(doc.path("credentials").findValuesAsText("outcome")).containsExactly("local_only", "damaged");
        JsonNode damaged = doc.path("credentials").get(1);
        assertThat(damaged.path("provider").asText()).isEqualTo("jira");
        assertThat(damaged.path("error").asText()).isEqualTo("integrity failure: credential jira/alice (integ:cred:jira:alice): "
                + NOT_VERIFIED + ": kept here (nothing erased) and not revoked: its grant is still live at Jira (Atlassian)");
        assertThat(damaged.path("advice").asText()).contains("connected apps");
        assertThat(doc.path("ended").asInt()).isEqualTo(1);
        assertThat(doc.path("damaged").asInt()).isEqualTo(1);
        assertThat(r.err()).startsWith(named("jira/alice", "integ:cred:jira:alice")).contains("integ: hint: at Jira (Atlassian): ");
        assertThat(record("integ:cred:jira:alice")).as("nothing erased").isEqualTo(jira);
        assertThat(f.run("show", "google", "--user", "alice").exitCode()).isEqualTo(3);
    }

    @Test
    void aUserWithOnlyDamagedRecordsIsNamedNotReportedAsUnknownAndForgetStillDeletesIt() {
        f.connect("jira", "dave");
        damage("integ:cred:jira:dave");
        for (boolean localOnly : new boolean[] {false, true}) {
            // nothing would change, so nothing is asked: no --yes needed
            Cli.Result r = localOnly ? f.run("revoke", "--all-for-user", "dave", "--local-only") : f.run("revoke", "--all-for-user", "dave");
            assertThat(r.exitCode()).as(r.err()).isEqualTo(5);
            assertThat(r.err()).startsWith(named("jira/dave", "integ:cred:jira:dave"))
                    .contains("then 'integ forget jira --user dave --yes' deletes the damaged record here");
            assertThat(r.out()).contains("0 ended, 0 failed and kept, 1 damaged and kept");
        }
        f.ok("forget", "jira", "--user", "dave", "--yes");
        assertThat(f.vault.credentialKeys()).doesNotContain("integ:cred:jira:dave");
    }

    // ---- keys rewrap ----

    @Test
    void rewrapNamesEveryDamagedRecordNotASample() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            lines.append("{\"provider\":\"slack\",\"user\":\"u").append(i).append("\",\"access_token\":\"xoxb-").append(i).append("\"}\n");
        }
        f.vault.okWithInput(lines.toString(), "import", "--file", "-");
        f.ok("keys", "rotate");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) { // more than the 20 names rewrap used to keep
            damage("integ:cred:slack:u" + i);
            expected.add(named("slack/u" + i, "integ:cred:slack:u" + i) + "; not rewrapped, left as it was");
        }
        Map<String, String> damagedBefore = damagedRecords();

        Cli.Result table = f.run("keys", "rewrap");
        assertThat(table.exitCode()).isEqualTo(5);
        assertThat(table.out()).contains("rewrapped 5 of 30 records", "25 damaged");
        assertThat(table.err().lines().filter(l -> l.contains("integrity failure: credential"))).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(table.err()).endsWith("integ: error: 25 damaged records left as they were (not rewrapped)\n"
                + "integ: hint: restore them from a backup or connect the accounts again; 'integ list' names them too\n");

        Cli.Result json = f.run("keys", "rewrap", "-o", "json");
        assertThat(json.exitCode()).isEqualTo(5);
        JsonNode doc = json(json);
        assertThat(doc.path("damaged").asInt()).isEqualTo(25);
        assertThat(doc.path("scanned").asInt()).isEqualTo(30);
        List<String> names = new ArrayList<>();
        doc.path("damaged_records").forEach(d -> names.add(d.path("provider").asText() + "/" + d.path("user").asText()
                + " " + d.path("reason").asText()));
        assertThat(names).hasSize(25).allMatch(n -> n.endsWith(" " + NOT_VERIFIED));
        assertThat(json.err().lines().filter(l -> l.contains("integrity failure: credential"))).hasSize(25);

        assertThat(damagedRecords()).as("left exactly as they were").isEqualTo(damagedBefore);
        assertThat(f.ok("events", "--action", "integrity.failure", "-o", "json").out()).contains("integrity.failure");
    }

    private static Map<String, String> damagedRecords() {
        Map<String, String> records = new TreeMap<>(f.vault.snapshot());
        records.keySet().removeIf(k -> !k.matches("integ:cred:slack:u(1?[0-9]|2[0-4])"));
        assertThat(records).hasSize(25);
        return records;
    }
}
