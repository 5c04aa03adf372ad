package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ verify`: whose credential it is, needs_reauth marking, and --all's summary and exit codes for cron. */
class VerifyCommandTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    @Test
    void eachBuiltInProviderSaysWhoseTheCredentialIs() {
        f.connect("slack", "alice");
        f.connect("google", "alice");
        f.connect("jira", "alice");
        assertThat(f.ok("verify", "slack", "--user", "alice").out()).startsWith("ok slack/alice").contains("user=alice", "team=Acme");
        assertThat(f.ok("verify", "google", "--user", "alice").out()).contains("emailAddress=alice@example.com");
        JsonNode jira = json(f.ok("verify", "jira", "--user", "alice", "-o", "json"));
        assertThat(jira.path("status").asText()).isEqualTo("ok");
        assertThat(jira.path("identity").path("accountId").asText()).isEqualTo("5b10ac8d82e05b22cc7d4ef5");
        assertThat(jira.path("identity").path("site").asText()).isEqualTo("https://acme.atlassian.net");
        assertThat(f.jira.api().received("/rest/api/3/myself")).hasSize(1);
        assertThat(f.ok("events", "-o", "json").out()).contains("\"action\":\"verify\"");
    }

    @Test
    void aCredentialTheProviderRefusesIsMarkedNeedsReauthAndExits5() {
        f.connect("slack", "alice"); // no rotation: no refresh token, so nothing to refresh
        f.slack.revokeGrant();
        Cli.Result r = f.run("verify", "slack", "--user", "alice");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.out()).startsWith("needs_reauth slack/alice");
        assertThat(json(f.ok("show", "slack", "--user", "alice", "-o", "json")).path("status").asText()).isEqualTo("needs_reauth");
        // the next verify does not ask again
        int calls = f.slack.requestCount();
        assertThat(f.run("verify", "slack", "--user", "alice").exitCode()).isEqualTo(5);
        assertThat(f.slack.requestCount()).isEqualTo(calls);
    }

    @Test
    void allSummarisesForCronAndExits5WhenAnyNeedsAHuman() {
        f.connect("slack", "alice");
        f.connect("slack", "bob");
        f.connect("google", "carol");
        f.slack.revokeGrant(); // both slack grants die
        f.connect("slack", "dave");
        Cli.Result r = f.run("verify", "--all", "-o", "json");
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(5);
        JsonNode doc = json(r);
        assertThat(doc.path("ok").asInt()).isEqualTo(2);
        assertThat(doc.path("needs_reauth").asInt()).isEqualTo(2);
        assertThat(doc.path("credentials")).hasSize(4);
    }

    @Test
    void allExits4WhenAProviderIsUnreachableAndMarksNothing() {
        f.connect("google", "carol");
        f.google.stopListening();
        try {
            Cli.Result r = f.run("verify", "--all");
            assertThat(r.exitCode()).isEqualTo(4);
            assertThat(r.out()).contains("unreachable google/carol", "0 ok, 0 need a new sign-in, 1 unreachable");
        } finally {
            f.google.resumeListening();
        }
        assertThat(json(f.ok("show", "google", "--user", "carol", "-o", "json")).path("status").asText()).isEqualTo("active");
    }
}
