package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.fakes.AnswerGate;
import dev.integ.testing.fakes.ScriptedBrowser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ connect` against fake Slack, Google, Atlassian and OIDC servers, through a scripted browser. */
class ConnectCommandTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    @Test
    void slackStoresTheUserTokenWithTeamAndGrantedScopes() {
        Cli.Result r = f.connect("slack", "alice");
        assertThat(r.out()).isEqualTo("connected slack/alice (scopes: chat:write channels:read)\n");
        assertThat(r.err()).contains("Opened the sign-in page with").contains("/oauth/v2/authorize?");
        Map<String, String> authorize = f.slack.authorizeRequests().get(0);
        assertThat(authorize).containsEntry("user_scope", "chat:write,channels:read").containsEntry("code_challenge_method", "S256")
                .containsKey("code_challenge");
        assertThat(authorize.get("state")).hasSizeGreaterThanOrEqualTo(22);
        Map<String, String> exchange = f.slack.tokenRequests().get(0);
        assertThat(exchange).containsEntry("auth", "basic").containsKey("code_verifier").doesNotContainKey("client_secret");
        assertThat(exchange.get("redirect_uri")).isEqualTo(authorize.get("redirect_uri"));
        JsonNode shown = json(f.ok("show", "slack", "--user", "alice", "-o", "json"));
        assertThat(shown.path("account").path("team_id").asText()).isEqualTo("T123");
        assertThat(shown.path("account").path("slack_user_id").asText()).isEqualTo("U123");
        assertThat(f.browser.receiverPages()).anySatisfy(page -> assertThat(page).contains("close this tab"));
    }

    @Test
    void theBrowserIsToldWhoWasSignedInOnlyOnceTheCredentialIsStored() throws Exception {
        f.google.email("alice@example.com");
        // the userinfo lookup comes after the code exchange and before the store
        AnswerGate gate = f.google.holdNextAnswer(f.google.userinfoEndpoint().getPath());
        int pages = f.browser.receiverPages().size();
        CompletableFuture<Cli.Result> connect = CompletableFuture.supplyAsync(() -> f.run("connect", "google", "--user", "alice", "--timeout", "30s"));
        try {
            assertThat(gate.awaitHeld(Duration.ofSeconds(30))).as("the code was redeemed").isTrue();
            // nothing is stored yet, and the browser is still waiting for its page
            assertThat(f.run("show", "google", "--user", "alice").exitCode()).isEqualTo(3);
            assertThat(f.browser.receiverPages()).hasSize(pages);
        } finally {
            gate.release();
        }
        assertThat(connect.get(60, TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(f.browser.awaitDone(Duration.ofSeconds(30))).isTrue();
        String page = f.browser.receiverPages().get(pages);
        assertThat(page).contains("<h1>Signed in to Google Drive as alice@example.com, stored for integ user alice.</h1>")
                .contains("You can close this tab.");
        assertThat(f.browser.receiverStatuses()).last().isEqualTo(200);
        HttpHeaders headers = f.browser.receiverHeaders().get(pages);
        assertThat(headers.firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .startsWith("default-src 'none'; style-src 'sha256-").endsWith("; frame-ancestors 'none'"));
        assertThat(headers.firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(headers.firstValue("Cache-Control")).hasValue("no-store");
        assertThat(headers.firstValue("Referrer-Policy")).hasValue("no-referrer");
    }

    @Test
    void aBogusCodeGivesAFailurePageAndANonZeroExit() throws Exception {
        f.browser.behaviour(ScriptedBrowser.Behaviour.BOGUS_CODE);
        int pages = f.browser.receiverPages().size();
        Cli.Result r = f.run("connect", "slack", "--user", "alice", "--timeout", "30s");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("integ: error: slack refused the sign-in code: invalid_code");
        assertThat(f.browser.awaitDone(Duration.ofSeconds(30))).isTrue();
        assertThat(f.browser.receiverPages().get(pages)).contains("<title>Sign-in failed · integ</title>")
                .contains("<h1>Slack refused the sign-in code: invalid_code.</h1>")
                .contains("What to do: Run the command again; a sign-in code is valid once and only for a few minutes.")
                .doesNotContain("Signed in");
        assertThat(f.run("show", "slack", "--user", "alice").exitCode()).isEqualTo(3);
    }

    @Test
    void googleSendsOfflineAccessAndRecordsTheAccountEmail() {
        f.connect("google", "alice");
        Map<String, String> authorize = f.google.authorizeRequests().get(0);
        assertThat(authorize).containsEntry("access_type", "offline").containsEntry("prompt", "consent")
                .containsEntry("code_challenge_method", "S256");
        assertThat(authorize.get("redirect_uri")).matches("http://127\\.0\\.0\\.1:\\d+/cb/google");
        assertThat(f.google.tokenRequests().get(0)).containsEntry("auth", "post");
        JsonNode shown = json(f.ok("show", "google", "--user", "alice", "-o", "json"));
        assertThat(shown.path("refresh_token").asBoolean()).isTrue();
        assertThat(shown.path("account").path("email").asText()).contains("@");
    }

    @Test
    void jiraUsesAJsonTokenBodyAndRecordsTheCloudId() {
        f.connect("jira", "alice");
        assertThat(f.jira.authorizeRequests().get(0)).containsEntry("audience", "api.atlassian.com").doesNotContainKey("code_challenge");
        JsonNode shown = json(f.ok("show", "jira", "--user", "alice", "-o", "json"));
        assertThat(shown.path("account").path("cloud_id").asText()).isEqualTo(f.jira.sites().get(0).id());
        assertThat(shown.path("account").path("site").asText()).isEqualTo(f.jira.sites().get(0).url());
        assertThat(shown.path("refresh_token").asBoolean()).isTrue();
        // Atlassian's refresh tokens die after 90 days unused: the record says so, and Redis lets it go then
        assertThat(java.time.Instant.parse(shown.path("refresh_expires_at").asText()))
                .isBetween(java.time.Instant.now().plus(java.time.Duration.ofDays(89)), java.time.Instant.now().plus(java.time.Duration.ofDays(90)));
        try (var jedis = f.vault.jedis()) {
            assertThat(jedis.pttl("integ:cred:jira:alice")).isGreaterThan(java.time.Duration.ofDays(89).toMillis());
        }
    }

    @Test
    void aCustomOidcProviderIsFoundByDiscovery() {
        f.connect("acme", "alice");
        Map<String, String> authorize = f.acme.authorizeRequests().get(0);
        assertThat(authorize).containsEntry("scope", "openid offline_access api").containsEntry("prompt", "consent");
        assertThat(authorize.get("redirect_uri")).matches("http://127\\.0\\.0\\.1:\\d+/callback");
        assertThat(f.acme.tokenRequests().get(0)).containsEntry("auth", "post");
        JsonNode shown = json(f.ok("show", "acme", "--user", "alice", "-o", "json"));
        assertThat(shown.path("account").path("subject").asText()).isNotEmpty();
        // OIDC Core §3.1.2.1: a fresh nonce per sign-in, which the id_token must echo
        assertThat(authorize.get("nonce")).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(authorize.get("state"));
    }

    @Test
    void anIdTokenThatIsNotThisSignInsIsRefusedAndNothingIsStored() {
        Map<String, java.util.function.Consumer<Map<String, Object>>> forgeries = new java.util.LinkedHashMap<>();
        forgeries.put("its nonce is not this sign-in's", c -> c.put("nonce", "from-another-sign-in"));
        forgeries.put("it carries no nonce", c -> c.remove("nonce"));
        forgeries.put("it was issued to other-client, not to integ's client integ-cli", c -> c.put("aud", "other-client"));
        forgeries.put("it has several audiences and no authorized party (azp)", c -> c.put("aud", List.of("integ-cli", "other-client")));
        forgeries.put("it was issued by https://evil.example", c -> c.put("iss", "https://evil.example"));
        forgeries.put("it expired at", c -> c.put("exp", ((Number) c.get("iat")).longValue() - 3600));
        forgeries.put("the userinfo endpoint describes another account (sub) than the id_token", c -> c.put("sub", "someone-else"));
        long failures = f.ok("events", "--action", "connect.failure", "-o", "json").out().lines().count();
        forgeries.forEach((why, forge) -> {
            f.acme.idTokenClaims(forge);
            int grants = f.acme.codeGrants();
            Cli.Result r = f.run("connect", "acme", "--user", "mallory", "--timeout", "30s");
            assertThat(r.exitCode()).as(why).isEqualTo(5);
            assertThat(r.err()).as(why).contains("integ: error: the id_token from acme does not belong to this sign-in: " + why)
                    .contains("nothing was stored");
            assertThat(f.acme.codeGrants()).as("the code was redeemed: " + why).isEqualTo(grants + 1);
            assertThat(f.run("show", "acme", "--user", "mallory").exitCode()).as(why).isEqualTo(3);
        });
        assertThat(f.ok("events", "--action", "connect.failure", "-o", "json").out().lines()).hasSize((int) failures + forgeries.size())
                .allMatch(line -> line.contains("\"action\":\"connect.failure\""));
        f.acme.idTokenClaims(c -> { });
        f.ok("connect", "acme", "--user", "mallory", "--timeout", "30s");
    }

    @Test
    void aWrongStateIsIgnoredAndTheRightOneAccepted() throws InterruptedException {
        f.browser.behaviour(ScriptedBrowser.Behaviour.WRONG_STATE_FIRST);
        int before = f.browser.receiverStatuses().size();
        int grants = f.google.codeGrants();
        f.ok("connect", "google", "--user", "alice", "--timeout", "30s");
        // the page is answered once the credential is stored, so the browser may still be reading it
        assertThat(f.browser.awaitDone(Duration.ofSeconds(30))).isTrue();
        List<Integer> statuses = f.browser.receiverStatuses();
        assertThat(statuses.subList(before, statuses.size())).containsExactly(400, 200);
        assertThat(f.ok("events", "--provider", "google", "-o", "json").out()).contains("state.mismatch");
        assertThat(f.google.codeGrants()).isEqualTo(grants + 1);
    }

    @Test
    void accessDeniedEndsTheFlowWithExit5AndStoresNothing() throws Exception {
        f.google.denyNext();
        int pages = f.browser.receiverPages().size();
        Cli.Result r = f.run("connect", "google", "--user", "alice", "--timeout", "30s");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("integ: error: the sign-in to Google Drive was not approved: access_denied");
        assertThat(f.run("show", "google", "--user", "alice").exitCode()).isEqualTo(3);
        assertThat(f.browser.awaitDone(Duration.ofSeconds(30))).isTrue();
        assertThat(f.browser.receiverPages().get(pages)).contains("<h1>The sign-in to Google Drive was not approved: access_denied")
                .contains("What to do: Run the command again and approve the access integ asks for.");
    }

    @Test
    void noAnswerTimesOut() {
        f.browser.behaviour(ScriptedBrowser.Behaviour.NOT_AT_ALL);
        Cli.Result r = f.run("connect", "google", "--user", "alice", "--timeout", "1s");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("no answer from the browser within 1s");
    }

    @Test
    void pasteModeChecksThePastedAddressLikeACallback() throws Exception {
        PipedOutputStream typed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(typed);
        f.browser.behaviour(ScriptedBrowser.Behaviour.paste(location -> {
            try {
                typed.write((location + "\n").getBytes(StandardCharsets.UTF_8));
                typed.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        Cli.Result r = f.vault.cli().runWithStdin(stdin, f.vault.withRedis("connect", "jira", "--user", "bob", "--manual"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("paste it here");
        assertThat(r.out()).startsWith("connected jira/bob");
    }

    /** stdin stays open and nothing is typed: before, the prompt waited until stdin closed. */
    @Test
    void pasteModeGivesUpWhenTheTimeoutPassesWithStdinStillOpen() throws Exception {
        f.browser.behaviour(ScriptedBrowser.Behaviour.NOT_AT_ALL);
        long failuresBefore = f.ok("events", "--action", "connect.failure", "-o", "json").out().lines().count();
        PipedOutputStream neverTyped = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(neverTyped);
        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() -> f.vault.cli().runWithStdin(stdin,
                f.vault.withRedis("connect", "jira", "--user", "bob", "--manual", "--timeout", "2s")));
        Cli.Result r;
        try {
            r = run.get(60, TimeUnit.SECONDS); // a hang guard, not a measurement
        } finally {
            neverTyped.close();
        }
        assertThat(r.exitCode()).as(r.err()).isEqualTo(5);
        assertThat(r.err()).contains("paste it here").contains("integ: error: nothing was pasted within 2s")
                .contains("integ: hint: run the command again");
        assertThat(f.ok("events", "--action", "connect.failure", "-o", "json").out().lines().count()).isEqualTo(failuresBefore + 1);
        assertThat(f.vault.credentialKeys()).isEmpty();
    }

    @Test
    void aPastedAddressFromAnotherSignInIsRefused() {
        f.browser.behaviour(ScriptedBrowser.Behaviour.NOT_AT_ALL);
        Cli.Result r = f.vault.runWithInput("http://127.0.0.1:" + "1/cb/jira?code=abc&state=forged\n", "connect", "jira", "--user", "bob", "--manual");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("code=abc");
    }

    @Test
    void slackErrorsWithHttp200AreFailuresAndStoreNothing() {
        f.vault.cli().env("SLACK_CLIENT_SECRET", "wrong-secret");
        try {
            Cli.Result r = f.run("connect", "slack", "--user", "alice", "--timeout", "30s");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).contains("slack refused the sign-in code: bad_client_secret").doesNotContain("wrong-secret");
            assertThat(f.run("show", "slack", "--user", "alice").exitCode()).isEqualTo(3);
        } finally {
            f.vault.cli().env("SLACK_CLIENT_SECRET", f.slack.clientSecret());
        }
    }

    @Test
    void narrowerGrantWarnsAndStoresWhatWasGranted() {
        f.google.grantOnly(Set.of("openid", "email"));
        Cli.Result r = f.connect("google", "carol");
        assertThat(r.err()).contains("integ: warning: Google Drive did not grant https://www.googleapis.com/auth/drive.file");
        assertThat(json(f.ok("show", "google", "--user", "carol", "-o", "json")).path("scopes").toString())
                .isEqualTo("[\"openid\",\"email\"]");
    }

    @Test
    void reconnectingReplacesTheRecord() {
        f.connect("google", "alice");
        String first = f.google.latestAccessToken();
        Cli.Result again = f.connect("google", "alice");
        assertThat(again.out()).startsWith("reconnected google/alice");
        assertThat(f.ok("token", "google", "--user", "alice").out().strip()).isNotEqualTo(first).isEqualTo(f.google.latestAccessToken());
    }

    @Test
    void missingClientSettingsAreNamedBeforeAnythingHappens() {
        f.vault.cli().env("JIRA_CLIENT_SECRET", null);
        int opened = f.browser.openedUrls().size();
        try {
            Cli.Result r = f.run("connect", "jira", "--user", "alice");
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.err()).contains("jira is not configured: missing JIRA_CLIENT_SECRET");
            assertThat(f.browser.openedUrls()).hasSize(opened);
        } finally {
            f.vault.cli().env("JIRA_CLIENT_SECRET", f.jira.clientSecret());
        }
    }

    @Test
    void anIssuerThatPromisesIssMustSendTheRightOne() {
        f.acme.authorizationResponseIss(true);
        try {
            f.connect("acme", "dora");
            assertThat(f.acme.authorizeRequests()).isNotEmpty();
            f.acme.issParameterOverride("https://evil.example.com");
            Cli.Result mixUp = f.run("connect", "acme", "--user", "erin", "--timeout", "2s");
            assertThat(mixUp.exitCode()).isEqualTo(5);
            assertThat(f.browser.receiverStatuses()).last().isEqualTo(400);
            assertThat(f.ok("events", "--action", "state.mismatch", "-o", "json").out()).contains("acme");
            assertThat(f.run("show", "acme", "--user", "erin").exitCode()).isEqualTo(3);
        } finally {
            f.acme.issParameterOverride(null);
            f.acme.authorizationResponseIss(false);
        }
    }

    @Test
    void overSshWithoutABrowserItAsksForThePastedAddress() {
        f.vault.cli().env("BROWSER", null).env("DISPLAY", null).env("SSH_CONNECTION", "10.0.0.1 5555 10.0.0.2 22");
        try {
            // Slack has no device grant (DeviceGrantTest covers the providers that have one)
            Cli.Result r = f.vault.runWithInput("", "connect", "slack", "--user", "alice");
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.err()).contains("Open this address in a browser to sign in:").contains("paste it here")
                    .contains("integ: error: nothing was pasted");
        } finally {
            f.vault.cli().env("BROWSER", f.browser.command()).env("DISPLAY", ":0").env("SSH_CONNECTION", null);
        }
    }

    @Test
    void aFixedPortInUseIsRetryLaterWithAHint() throws Exception {
        int port = Integer.parseInt(f.slack.registeredRedirects().get(0).replaceAll(".*:(\\d+)/.*", "$1"));
        try (var taken = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            Cli.Result r = f.run("connect", "slack", "--user", "alice", "--timeout", "5s");
            assertThat(r.exitCode()).isEqualTo(4);
            assertThat(r.err()).contains("port " + port).contains("in use");
        }
    }
}
