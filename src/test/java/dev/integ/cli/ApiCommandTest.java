package dev.integ.cli;

import dev.integ.http.OutboundHttp;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.fakes.FakeApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** `integ api`: the one call path (token, refresh on 401, retries, events) against the fakes over loopback HTTP. */
class ApiCommandTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    @Test
    void paginateFollowsSlacksCursorAndSendsTheStoredTokenOnlyThere() {
        f.connect("slack", "alice");
        Cli.Result r = f.ok("api", "slack", "conversations.list", "--user", "alice", "--paginate", "-f", "limit=2");
        List<FakeApi.Received> calls = f.slack.api().received("/api/conversations.list");
        assertThat(calls).hasSize(3);
        assertThat(calls).allSatisfy(c -> assertThat(c.bearer()).isEqualTo(f.slack.latestAccessToken()));
        assertThat(calls.get(0).query()).containsEntry("limit", "2").doesNotContainKey("cursor");
        assertThat(calls.get(2).query()).containsKey("cursor").containsEntry("limit", "2");
        assertThat(r.out()).contains("C0GENERAL", "C0OPS", "C0DEV");
        assertThat(r.out().lines().filter(l -> l.startsWith("{")).count()).isEqualTo(3);
    }

    @Test
    void withoutUserTheOnlyStoredCredentialIsUsedAndNeverAGuessAmongSeveral() {
        // jira is used by no other test here, so what is stored for it is this test's alone
        Cli.Result none = f.run("api", "jira", "oauth/token/accessible-resources");
        assertThat(none.exitCode()).as(none.err()).isEqualTo(3);
        assertThat(none.err()).contains("no jira credential is stored");

        f.connect("jira", "carol");
        int before = f.jira.api().received().size();
        Cli.Result one = f.run("api", "jira", "ex/jira/cloud-1/rest/api/3/myself");
        assertThat(f.jira.api().received()).as(one.err()).hasSize(before + 1);
        assertThat(f.jira.api().received().get(before).bearer()).isEqualTo(f.jira.latestAccessToken());

        f.connect("jira", "dan");
        Cli.Result two = f.run("api", "jira", "ex/jira/cloud-1/rest/api/3/myself");
        assertThat(two.exitCode()).isEqualTo(2);
        assertThat(two.err()).contains("--user is needed: 2 jira credentials are stored");
        assertThat(f.jira.api().received()).as("nothing sent").hasSize(before + 1);
    }

    @Test
    void aUrlOffTheApiBaseIsRefusedBeforeAnyTokenIsSent() {
        f.connect("slack", "alice");
        int before = f.acme.requestCount();
        for (String url : List.of(f.acme.baseUri() + "api/auth.test", "https://evil.example/api/auth.test",
                f.slack.apiBase() + "../oauth/v2/authorize", f.slack.baseUri() + "other/auth.test",
                f.slack.apiBase().toString().replace("http://", "http://user@") + "auth.test")) {
            Cli.Result r = f.run("api", "slack", url, "--user", "alice");
            assertThat(r.exitCode()).as(url).isEqualTo(2);
            assertThat(r.err()).as(url).contains("refusing to send the slack token");
        }
        assertThat(f.acme.requestCount()).isEqualTo(before);
        assertThat(f.slack.api().received()).isEmpty();
        // the same URL written in full, under the base, is fine; a leading "//" is a path under the base, never a host
        assertThat(f.run("api", "slack", f.slack.apiBase() + "conversations.list", "--user", "alice").exitCode()).isZero();
        f.run("api", "slack", "//evil.example/x", "--user", "alice");
        assertThat(f.slack.api().received()).extracting(FakeApi.Received::path).contains("/api/evil.example/x");
    }

    @Test
    void inputFromStdinIsSentAsItIsAsAPostWithTheHeadersGiven() {
        f.connect("slack", "alice");
        String body = "{\"channel\":\"C0GENERAL\",\"text\":\"R&amp;D \\u0041 🚀\"}";
        Cli.Result r = f.vault.runWithInput(body, "api", "slack", "chat.postMessage", "--user", "alice", "--input", "-",
                "-H", "X-Trace: abc 123");
        assertThat(r.exitCode()).as(r.err()).isZero();
        FakeApi.Received call = f.slack.api().received("/api/chat.postMessage").get(0);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.body()).isEqualTo(body);
        assertThat(call.headers().get("X-trace")).containsExactly("abc 123");
        assertThat(call.headers().get("Content-type")).containsExactly("application/json; charset=utf-8");
        assertThat(f.slack.api().posted()).extracting(p -> p.text()).containsExactly("R&amp;D A 🚀");
    }

    @Test
    void anAuthorizationHeaderIsRefusedAndNotEchoed() {
        f.connect("slack", "alice");
        Cli.Result r = f.run("api", "slack", "auth.test", "--user", "alice", "-H", "Authorization: Bearer xoxp-typed-into-argv");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("refusing to set the Authorization header").doesNotContain("xoxp-typed");
    }

    @Test
    void aTokenTheProviderSaysExpiredIsRefreshedOnceAndTheCallMadeOnceMore() {
        f.connect("google", "alice");
        String first = f.google.latestAccessToken();
        int refreshes = f.google.refreshGrants();
        f.providerClock.advance(Duration.ofHours(2)); // the provider's clock: integ still thinks the token fresh
        Cli.Result r = f.ok("api", "google", "drive/v3/about", "-f", "fields=user", "--user", "alice");
        assertThat(r.out()).contains("emailAddress");
        assertThat(f.google.refreshGrants()).isEqualTo(refreshes + 1);
        List<String> bearers = f.google.api().received("/drive/v3/about").stream().map(FakeApi.Received::bearer).toList();
        assertThat(bearers).containsExactly(first, f.google.latestAccessToken());
        String events = f.ok("events", "--provider", "google", "-o", "json").out();
        assertThat(events).contains("api.call", "\"refreshed\":\"true\"", "/drive/v3/about").doesNotContain("fields=user");
    }

    @Test
    void aGrantRevokedAtTheProviderEndsInExit5AfterOneRefreshAttempt() {
        f.connect("google", "alice");
        f.google.revokeGrant();
        Cli.Result r = f.run("api", "google", "drive/v3/about", "-f", "fields=user", "--user", "alice");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(f.google.api().received("/drive/v3/about")).hasSize(1);
        assertThat(json(f.ok("show", "google", "--user", "alice", "-o", "json")).path("status").asText()).isEqualTo("needs_reauth");
    }

    @Test
    void rateLimitedWithRetryAfterIsAskedAgainAfterTheWait() {
        f.connect("slack", "alice");
        f.slack.api().failNext(1, 429, Duration.ofSeconds(1));
        f.ok("api", "slack", "conversations.list", "--user", "alice");
        assertThat(f.slack.api().received("/api/conversations.list")).hasSize(2);
    }

    @Test
    void slacksOkFalseOverHttp200AndA404ExitOneWithTheProvidersError() {
        f.connect("slack", "alice");
        Cli.Result r = f.run("api", "slack", "chat.postMessage", "--user", "alice", "-X", "POST", "-f", "channel=C0NOPE", "-f", "text=hi");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("channel_not_found");
        assertThat(r.err()).contains("HTTP 200: channel_not_found");
        f.connect("google", "alice");
        Cli.Result missing = f.run("api", "google", "drive/v3/nothing-here", "--user", "alice");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("HTTP 404");
    }

    @Test
    void hostileAnswersGiveOneClearLine() {
        f.connect("google", "alice");
        byte[] huge = new byte[(int) OutboundHttp.MAX_ANSWER_BYTES + 1024];
        Arrays.fill(huge, (byte) ' ');
        f.google.api().answerRaw(200, "application/json", huge);
        Cli.Result big = f.run("api", "google", "drive/v3/files", "--user", "alice");
        assertThat(big.exitCode()).isEqualTo(1);
        assertThat(big.err()).contains("larger than 8 MiB").doesNotContain("Exception");
        assertThat(f.google.api().received("/drive/v3/files")).hasSize(1);

        f.google.api().answerRaw(400, "text/html", "<html><body>\u001b]0;PWNED\u0007 Bad Request</body></html>".getBytes(StandardCharsets.UTF_8));
        Cli.Result html = f.run("api", "google", "drive/v3/files", "--user", "alice");
        assertThat(html.exitCode()).isEqualTo(1);
        assertThat(html.err()).contains("HTTP 400").doesNotContain("\u001b");

        f.google.api().answerRaw(200, "application/json", "{\"files\":[],\"nextPageToken\":\"again\"}".getBytes(StandardCharsets.UTF_8));
        Cli.Result endless = f.run("api", "google", "drive/v3/files", "--user", "alice", "--paginate");
        assertThat(endless.exitCode()).isEqualTo(1);
        assertThat(endless.err()).contains("same page cursor twice");
        f.google.api().normal();
    }
}
