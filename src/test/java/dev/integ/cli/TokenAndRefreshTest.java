package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.VaultFixture;
import dev.integ.testing.fakes.FakeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ token` and `integ refresh`: single flight across concurrent callers, rotation, dead grants, outages. */
class TokenAndRefreshTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    @Test
    void tokenPrintsOnlyTheTokenAndJsonAddsExpiryAndScopes() {
        f.connect("google", "alice");
        int refreshes = f.google.refreshGrants();
        Cli.Result r = f.ok("token", "google", "--user", "alice");
        assertThat(r.out()).isEqualTo(f.google.latestAccessToken() + "\n");
        assertThat(r.err()).isEmpty();
        JsonNode doc = json(f.ok("token", "google_drive", "--user", "alice", "-o", "json"));
        assertThat(doc.path("access_token").asText()).isEqualTo(f.google.latestAccessToken());
        assertThat(doc.path("expires_at").asText()).isNotEmpty();
        assertThat(doc.path("scopes").isArray()).isTrue();
        assertThat(f.google.refreshGrants()).isEqualTo(refreshes);
        assertThat(f.ok("events", "--provider", "google", "-o", "json").out()).contains("token.read");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"jira", "slack"})
    void eightConcurrentTokenCallsOnAnExpiringRotatingCredentialRefreshExactlyOnce(String provider) throws Exception {
        FakeProvider fake = provider.equals("jira") ? f.jira : f.slack;
        f.slack.rotation(true); // strict single use: a second redeem of one refresh token would fail
        fake.accessTokenLifetime(Duration.ofMinutes(1)); // inside the 5-minute margin: every caller wants a refresh
        f.connect(provider, "alice");
        fake.accessTokenLifetime(Duration.ofHours(1));
        int before = fake.refreshGrants();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Cli.Result>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(pool.submit((Callable<Cli.Result>) () -> f.run("token", provider, "--user", "alice")));
            }
            List<String> tokens = new ArrayList<>();
            for (Future<Cli.Result> call : calls) {
                Cli.Result r = call.get();
                assertThat(r.exitCode()).as(r.err()).isZero();
                tokens.add(r.out().strip());
            }
            assertThat(fake.refreshGrants() - before).isEqualTo(1);
            assertThat(tokens).allSatisfy(t -> assertThat(fake.isAccessTokenValid(t)).isTrue());
            assertThat(tokens).containsOnly(fake.latestAccessToken());
        } finally {
            pool.shutdownNow();
        }
        String stored = f.vault.vault(VaultFixture.NS).read(provider, "alice").orElseThrow().secrets().revealRefreshToken();
        assertThat(stored).isEqualTo(fake.latestRefreshToken());
        assertThat(fake.refreshTokenUsable(stored)).isTrue();
    }

    @Test
    void slackRotationStoresTheNewRefreshTokenBeforeUsingTheAccessToken() {
        f.slack.rotation(true);
        try {
            f.connect("slack", "alice");
            String firstRefresh = f.slack.latestRefreshToken();
            f.ok("refresh", "slack", "--user", "alice");
            assertThat(f.slack.refreshTokenUsable(firstRefresh)).isFalse();
            f.ok("refresh", "slack", "--user", "alice"); // would fail with invalid_refresh_token had the old one been kept
            assertThat(f.ok("token", "slack", "--user", "alice").out().strip()).isEqualTo(f.slack.latestAccessToken());
            // each holder of the refresh lock has a higher fencing token, and its events say which
            assertThat(f.ok("events", "--action", "refresh.success", "-o", "json").out().lines()
                    .map(line -> jsonLine(line).path("details").path("fence").asText()).toList()).containsExactly("1", "2");
        } finally {
            f.slack.rotation(false);
        }
    }

    @Test
    void aRefusedRefreshTokenMarksNeedsReauthAndExits5() {
        f.connect("google", "alice");
        f.google.revokeGrant();
        Cli.Result r = f.run("refresh", "google", "--user", "alice");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("needs to be authorized again").contains("invalid_grant")
                .contains("integ: hint: run: integ connect google --user alice");
        assertThat(json(f.ok("show", "google", "--user", "alice", "-o", "json")).path("status").asText()).isEqualTo("needs_reauth");
        Cli.Result token = f.run("token", "google", "--user", "alice", "--min-valid", "2h");
        assertThat(token.exitCode()).isEqualTo(5);
        assertThat(token.out()).isEmpty();
    }

    @Test
    void aRefreshThatBringsAnotherAccountsIdTokenStoresNoneOfItsTokens() {
        f.connect("google", "alice");
        JsonNode before = json(f.ok("show", "google", "--user", "alice", "-o", "json"));
        String subject = before.path("account").path("subject").asText();
        assertThat(subject).isNotEmpty();
        f.google.accessTokenLifetime(Duration.ofHours(2)); // a stored refresh result would move expires_at
        f.google.idTokenClaims(c -> c.put("sub", "someone-else"));
        Cli.Result r = f.run("token", "google", "--user", "alice", "--min-valid", "2h");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("the google credential of alice needs to be authorized again: the id_token that came with the refresh"
                + " is not this credential's: it names another account (sub) than the credential's");
        assertThat(f.google.refreshGrants()).isPositive();
        JsonNode shown = json(f.ok("show", "google", "--user", "alice", "-o", "json"));
        assertThat(shown.path("status").asText()).isEqualTo("needs_reauth");
        assertThat(shown.path("expires_at").asText()).isEqualTo(before.path("expires_at").asText());
        assertThat(shown.path("account").path("subject").asText()).isEqualTo(subject);
        assertThat(f.ok("events", "--action", "refresh.failure", "-o", "json").out()).contains("\"reason\":\"id_token\"");
    }

    @Test
    void providerOutagesChangeNothingAndExit4() {
        f.connect("acme", "alice");
        String stored = f.vault.snapshot().get("integ:cred:acme:alice");
        f.acme.failNextTokenCalls(1, 503);
        Cli.Result r = f.run("refresh", "acme", "--user", "alice");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(f.vault.snapshot().get("integ:cred:acme:alice")).isEqualTo(stored);
        f.acme.stopListening();
        try {
            assertThat(f.run("refresh", "acme", "--user", "alice").exitCode()).isEqualTo(4);
        } finally {
            f.acme.resumeListening();
        }
        assertThat(json(f.ok("show", "acme", "--user", "alice", "-o", "json")).path("status").asText()).isEqualTo("active");
    }

    @Test
    void refreshAllRefreshesWhatExpiresSoonAndSummarises() {
        f.google.accessTokenLifetime(Duration.ofMinutes(10));
        f.connect("google", "alice");
        f.connect("google", "bob");
        f.google.accessTokenLifetime(Duration.ofHours(1));
        f.connect("acme", "carol"); // expires in an hour: outside the 30-minute window
        f.acme.accessTokenLifetime(Duration.ofMinutes(10));
        f.connect("acme", "dave");
        f.connect("acme", "erin");
        f.acme.accessTokenLifetime(Duration.ofHours(1));
        int discoveries = f.acme.discoveryRequests();
        JsonNode summary = json(f.ok("refresh", "--all", "--expiring-within", "30m", "-o", "json"));
        assertThat(summary.path("refreshed").asInt()).isEqualTo(4);
        assertThat(summary.path("failed").asInt()).isZero();
        assertThat(summary.path("credentials").findValuesAsText("user")).containsExactlyInAnyOrder("alice", "bob", "dave", "erin");
        assertThat(f.acme.discoveryRequests() - discoveries).as("one discovery per provider and run").isEqualTo(1);

        f.google.accessTokenLifetime(Duration.ofMinutes(10));
        f.ok("refresh", "google", "--user", "alice");
        f.google.revokeGrant();
        Cli.Result failed = f.run("refresh", "--all", "--expiring-within", "30m");
        assertThat(failed.exitCode()).isEqualTo(5);
        assertThat(failed.out()).contains("failed google/alice").contains("1 failed");
    }

    @Test
    void usageErrors() {
        assertThat(f.run("refresh", "google").exitCode()).isEqualTo(2);
        assertThat(f.run("refresh", "--all", "--user", "x").exitCode()).isEqualTo(2);
        Cli.Result missing = f.run("token", "google", "--user", "nobody");
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.err()).contains("no google credential for nobody").contains("integ connect google --user nobody");
        assertThat(f.run("token", "github", "--user", "x").exitCode()).as("an unknown provider, nothing stored under it").isEqualTo(2);
    }

    @Test
    void integsOwnRateLimitTurnsCallsAwayAndRecordsIt() {
        f.connect("acme", "alice");
        f.configure("rate-limits:\n  acme: {per-user: 1/1h}\n");
        // the one permit goes to discovery; the refresh itself is turned away before it reaches the provider
        int grants = f.acme.refreshGrants();
        Cli.Result denied = f.run("refresh", "acme", "--user", "alice");
        assertThat(denied.exitCode()).isEqualTo(4);
        assertThat(denied.err()).contains("rate limited: acme token refresh").contains("per-user acme rate limit");
        assertThat(f.acme.refreshGrants()).isEqualTo(grants);
        JsonNode event = json(f.ok("events", "--action", "ratelimit.denied", "-o", "json"));
        assertThat(event.path("provider").asText()).isEqualTo("acme");
        assertThat(event.path("details").path("level").asText()).isEqualTo("user");
    }

    @Test
    void duringAnOutageAStillValidTokenIsHandedOutWithAWarning() {
        f.acme.accessTokenLifetime(Duration.ofMinutes(3)); // inside the 5-minute margin, but not expired
        f.connect("acme", "alice");
        String current = f.acme.latestAccessToken();
        f.acme.failNextTokenCalls(1, 503);
        Cli.Result r = f.run("token", "acme", "--user", "alice");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(current + "\n");
        assertThat(r.err()).startsWith("integ: warning: could not refresh (acme token refresh failed: HTTP 503")
                .contains("this token is still valid until");
        // a refused refresh token is not an outage: that still needs a human
        f.acme.revokeGrant();
        assertThat(f.run("token", "acme", "--user", "alice").exitCode()).isEqualTo(5);
    }

    private static JsonNode jsonLine(String line) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
