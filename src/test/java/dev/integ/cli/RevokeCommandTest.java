package dev.integ.cli;

import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ revoke`: at the provider first, then here; kept when the provider call fails. */
class RevokeCommandTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    @Test
    void googleRevokesTheGrantWithTheRefreshTokenThenDeletes() {
        f.connect("google", "alice");
        String access = f.google.latestAccessToken();
        String refresh = f.google.latestRefreshToken();
        int refreshes = f.google.refreshGrants();
        Cli.Result r = f.ok("revoke", "google", "--user", "alice", "--yes");
        assertThat(r.out()).isEqualTo("revoked google/alice at the provider and deleted it here\n");
        assertThat(f.google.refreshTokenUsable(refresh)).isFalse();
        assertThat(f.google.isAccessTokenValid(access)).isFalse();
        assertThat(f.google.refreshGrants()).isEqualTo(refreshes); // never refreshed just to revoke
        assertThat(f.run("show", "google", "--user", "alice").exitCode()).isEqualTo(3);
        assertThat(f.ok("events", "--provider", "google", "-o", "json").out()).contains("\"revoke\"");
    }

    @Test
    void slackRevokesWithTheTokenAsBearer() {
        f.connect("slack", "alice");
        String access = f.slack.latestAccessToken();
        f.ok("revoke", "slack", "--user", "alice", "--yes");
        assertThat(f.slack.isAccessTokenValid(access)).isFalse();
        assertThat(f.slack.revokeCalls()).isEqualTo(1);
    }

    @Test
    void aCustomProviderUsesItsRfc7009Endpoint() {
        f.connect("acme", "alice");
        String refresh = f.acme.latestRefreshToken();
        f.ok("revoke", "acme", "--user", "alice", "--yes");
        assertThat(f.acme.refreshTokenUsable(refresh)).isFalse();
    }

    @Test
    void jiraHasNoEndpointSoItIsDeletedHereAndTheAdminIsToldWhatToDo() {
        f.connect("jira", "alice");
        Cli.Result r = f.ok("revoke", "jira", "--user", "alice", "--yes");
        assertThat(r.out()).contains("deleted jira/alice here only: the provider has no revocation endpoint");
        assertThat(r.err()).contains("integ: warning: Atlassian has no endpoint to revoke a 3LO grant");
        assertThat(f.run("show", "jira", "--user", "alice").exitCode()).isEqualTo(3);
    }

    @Test
    void providerDownKeepsTheRecordAndOffersLocalOnly() {
        f.connect("google", "alice");
        f.google.stopListening();
        try {
            Cli.Result r = f.run("revoke", "google", "--user", "alice", "--yes");
            assertThat(r.exitCode()).isEqualTo(4);
            assertThat(r.err()).contains("--local-only");
            assertThat(f.run("show", "google", "--user", "alice").exitCode()).isZero();
            Cli.Result local = f.ok("revoke", "google", "--user", "alice", "--yes", "--local-only");
            assertThat(local.out()).contains("deleted google/alice here only (--local-only)");
            assertThat(f.run("show", "google", "--user", "alice").exitCode()).isEqualTo(3);
        } finally {
            f.google.resumeListening();
        }
    }

    @Test
    void allForUserRevokesEachProviderAndNeedsConfirmationWithoutATerminal() {
        f.connect("google", "bob");
        f.connect("jira", "bob");
        Cli.Result refused = f.run("revoke", "--all-for-user", "bob");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("--yes");
        int revokeCalls = f.google.revokeCalls();
        Cli.Result declined = f.vault.runOnTerminal("n\n", "revoke", "--all-for-user", "bob");
        assertThat(declined.err()).contains("Revoke the google, jira credentials of bob? [y/N] ");
        assertThat(declined.exitCode()).isEqualTo(1);
        assertThat(f.google.revokeCalls()).isEqualTo(revokeCalls);
        assertThat(json(f.ok("list", "--user", "bob", "-o", "json"))).hasSize(2);
        var doc = json(f.ok("revoke", "--all-for-user", "bob", "--yes", "-o", "json"));
        assertThat(doc.path("credentials").findValuesAsText("outcome")).containsExactlyInAnyOrder("revoked", "local_only_no_endpoint");
        assertThat(json(f.ok("list", "--user", "bob", "-o", "json"))).isEmpty();
    }

    @Test
    void nothingToRevokeIsSaidBeforeAnyQuestion() {
        for (String[] command : List.of(new String[] {"revoke", "google", "--user", "nobody"}, new String[] {"revoke", "--all-for-user", "nobody"},
                new String[] {"forget", "google", "--user", "nobody"})) {
            Cli.Result r = f.vault.runOnTerminal("y\n", command);
            assertThat(r.exitCode()).as(String.join(" ", command)).isEqualTo(3);
            assertThat(r.err()).as(String.join(" ", command)).doesNotContain("[y/N]").contains("integ: error: no ");
        }
    }

    /** The event log replaced by a string: no sign-in, token read, refresh or revocation goes ahead unrecorded. */
    @Test
    void whenTheLogCannotBeWrittenNothingHappens() {
        f.connect("google", "alice");
        int opened = f.browser.openedUrls().size();
        int refreshes = f.google.refreshGrants();
        int revocations = f.google.revokeCalls();
        try (var jedis = f.vault.jedis()) {
            jedis.del("integ:events:{integ}:log");
            jedis.set("integ:events:{integ}:log", "not a stream");
        }
        String before = f.vault.snapshot().get("integ:cred:google:alice");
        for (String[] command : List.of(
                new String[] {"connect", "google", "--user", "bob", "--timeout", "30s"},
                new String[] {"token", "google", "--user", "alice"},
                new String[] {"refresh", "google", "--user", "alice"},
                new String[] {"revoke", "google", "--user", "alice", "--yes"})) {
            Cli.Result r = f.run(command);
            assertThat(r.exitCode()).as(String.join(" ", command) + ": " + r.err()).isEqualTo(5);
            assertThat(r.out()).isEmpty();
        }
        assertThat(f.browser.openedUrls()).hasSize(opened);
        assertThat(f.google.refreshGrants()).isEqualTo(refreshes);
        assertThat(f.google.revokeCalls()).isEqualTo(revocations);
        assertThat(f.vault.snapshot().get("integ:cred:google:alice")).isEqualTo(before);
        assertThat(f.vault.snapshot()).doesNotContainKey("integ:cred:google:bob");
    }
}
