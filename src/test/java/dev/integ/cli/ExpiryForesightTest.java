package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * integ knows when refresh tokens die: list shows it, doctor and events check warn a week ahead, and
 * refresh --all --keep-alive refreshes what a refresh keeps alive and names the rest with a date.
 * Dates come from the providers' policies and from what is stored, so nothing here waits for time to pass.
 */
class ExpiryForesightTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    @Test
    void aGoogleAppInTestingGetsSevenDaysAndOnlyAReconnectHelps() {
        f.configureProvider("google", "publishing-status: testing");
        f.google.accessTokenLifetime(Duration.ofHours(3)); // not due for an ordinary refresh: only the keep-alive logic acts
        Instant before = Instant.now();
        f.connect("google", "alice");

        JsonNode listed = json(f.ok("list", "-o", "json")).get(0);
        Instant ends = Instant.parse(listed.get("refresh_expires_at").asText());
        assertThat(Duration.between(before, ends).toSeconds()).isCloseTo(Duration.ofDays(7).toSeconds(), within(120L));
        assertThat(f.ok("list").out()).contains(CredentialRows.seconds(ends));

        Cli.Result doctor = f.run("doctor");
        assertThat(doctor.out()).contains("! expiry").contains("1 credential stop working within 7d")
                .contains("google/alice: its refresh token ends in").contains("reconnect by " + CredentialRows.seconds(ends));
        Cli.Result check = f.ok("events", "check");
        assertThat(check.err()).contains("integ: warning: google/alice: its refresh token ends in").contains("reconnect by");

        int refreshes = f.google.refreshGrants();
        Cli.Result keepAlive = f.ok("refresh", "--all", "--keep-alive");
        assertThat(keepAlive.err()).contains("integ: warning: google/alice: reconnect by " + CredentialRows.seconds(ends)
                + ": its refresh token ends then and no refresh moves that ('integ connect google --user alice' signs in again)");
        assertThat(keepAlive.out()).contains("0 kept alive, 1 to reconnect");
        assertThat(f.google.refreshGrants()).as("a refresh would not help, so none was sent").isEqualTo(refreshes);
    }

    @Test
    void anAtlassianGrantNearItsInactivityEndIsKeptAliveByARefresh() {
        String refreshToken = f.jira.seedRefreshToken(List.of("read:jira-work", "offline_access"));
        f.vault.okWithInput("{\"provider\": \"jira\", \"user\": \"bob\", \"access_token\": \"atl-old\", \"refresh_token\": \"" + refreshToken
                + "\", \"expires_in\": 10800, \"refresh_expires_in\": 259200}\n", "import", "--file", "-");
        f.google.accessTokenLifetime(Duration.ofHours(3));
        f.connect("google", "carol"); // production: six months ahead, nothing to say

        Cli.Result doctor = f.run("doctor");
        assertThat(doctor.out()).contains("! expiry").contains("jira/bob: its refresh token ends in 2d23h")
                .contains("a refresh keeps it alive ('integ refresh --all --keep-alive')").doesNotContain("google/carol");
        JsonNode check = json(f.ok("events", "check", "-o", "json"));
        assertThat(check.get("expiring_credentials")).hasSize(1);
        assertThat(check.get("expiring_credentials").get(0).get("refresh_keeps_alive").asBoolean()).isTrue();

        int refreshes = f.jira.refreshGrants();
        Instant before = Instant.now();
        Cli.Result keepAlive = f.ok("refresh", "--all", "--keep-alive");
        assertThat(f.jira.refreshGrants()).isEqualTo(refreshes + 1);
        assertThat(keepAlive.out()).contains("kept alive jira/bob: its refresh token now ends").contains("1 kept alive, 0 to reconnect");
        Instant ends = Instant.parse(json(f.ok("show", "jira", "--user", "bob", "-o", "json")).get("refresh_expires_at").asText());
        assertThat(Duration.between(before, ends).toSeconds()).as("90 days of inactivity from now")
                .isCloseTo(Duration.ofDays(90).toSeconds(), within(120L));
        assertThat(f.run("doctor").out()).contains("✓ expiry").doesNotContain("jira/bob");
        assertThat(f.ok("events", "check").err()).doesNotContain("warning");
    }

    @Test
    void withoutKeepAliveRefreshAllLeavesRefreshTokensAlone() {
        String refreshToken = f.jira.seedRefreshToken(List.of("read:jira-work", "offline_access"));
        f.vault.okWithInput("{\"provider\": \"jira\", \"user\": \"bob\", \"access_token\": \"atl-old\", \"refresh_token\": \"" + refreshToken
                + "\", \"expires_in\": 10800, \"refresh_expires_in\": 259200}\n", "import", "--file", "-");
        int refreshes = f.jira.refreshGrants();
        assertThat(f.ok("refresh", "--all").out()).contains("0 refreshed");
        assertThat(f.jira.refreshGrants()).isEqualTo(refreshes);
        assertThat(f.run("refresh", "jira", "--user", "bob", "--keep-alive").err()).contains("--keep-alive goes with --all");
    }
}
