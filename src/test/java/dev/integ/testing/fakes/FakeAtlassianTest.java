package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static dev.integ.testing.fakes.TestHttp.authorizeCode;
import static dev.integ.testing.fakes.TestHttp.bearer;
import static dev.integ.testing.fakes.TestHttp.get;
import static dev.integ.testing.fakes.TestHttp.json;
import static dev.integ.testing.fakes.TestHttp.map;
import static dev.integ.testing.fakes.TestHttp.postForm;
import static dev.integ.testing.fakes.TestHttp.postJson;
import static dev.integ.testing.fakes.TestHttp.withQuery;
import static org.assertj.core.api.Assertions.assertThat;

class FakeAtlassianTest {
    private static final String REDIRECT = "http://127.0.0.1:9876/cb/atlassian";

    private final MutableClock clock = new MutableClock();
    private final FakeAtlassian atlassian = new FakeAtlassian("aid", "asecret", clock);

    {
        atlassian.registerRedirect(REDIRECT);
    }

    @AfterEach
    void close() {
        assertThat(atlassian.handlerErrors()).isEmpty();
        atlassian.close();
    }

    private Map<String, String> params(String scope) {
        return map("audience", "api.atlassian.com", "client_id", "aid", "scope", scope, "redirect_uri", REDIRECT,
                "state", "s1", "response_type", "code", "prompt", "consent");
    }

    private HttpResponse<String> exchange(String code) {
        return postJson(atlassian.tokenEndpoint(), map("grant_type", "authorization_code", "client_id", "aid",
                "client_secret", "asecret", "code", code, "redirect_uri", REDIRECT));
    }

    private HttpResponse<String> refresh(String token) {
        return postJson(atlassian.tokenEndpoint(), map("grant_type", "refresh_token", "client_id", "aid",
                "client_secret", "asecret", "refresh_token", token));
    }

    private JsonNode connect() {
        HttpResponse<String> r = exchange(authorizeCode(atlassian, params("read:jira-work write:jira-work offline_access")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    @Test
    void jsonExchangeIgnoringPkce() {
        Map<String, String> p = params("read:jira-work write:jira-work offline_access");
        p.put("code_challenge", Pkce.s256(Pkce.newVerifier()));
        p.put("code_challenge_method", "S256");
        HttpResponse<String> r = exchange(authorizeCode(atlassian, p));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("access_token").asText()).startsWith("atl-at-");
        assertThat(body.get("refresh_token").asText()).startsWith("atl-rt-");
        assertThat(body.get("expires_in").asLong()).isEqualTo(3600);
        assertThat(body.get("scope").asText()).isEqualTo("read:jira-work write:jira-work offline_access");
        assertThat(atlassian.revocationEndpoint()).isNull();
        assertThat(atlassian.tokenRequests().get(0)).containsEntry("auth", "post").containsEntry("client_secret", "asecret");
    }

    @Test
    void formBodyIsRefused() {
        String code = authorizeCode(atlassian, params("read:jira-work offline_access"));
        HttpResponse<String> r = postForm(atlassian.tokenEndpoint(), map("grant_type", "authorization_code", "client_id", "aid",
                "client_secret", "asecret", "code", code, "redirect_uri", REDIRECT));
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(json(r).get("error").asText()).isEqualTo("invalid_request");
        assertThat(atlassian.tokenRequests()).hasSize(1);
        assertThat(exchange(code).statusCode()).as("the code was not spent").isEqualTo(200);
    }

    @Test
    void audienceAndSecretAreRequired() {
        Map<String, String> p = params("read:jira-work");
        p.remove("audience");
        HttpResponse<String> page = get(withQuery(atlassian.authorizationEndpoint(), p));
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.headers().firstValue("Location")).isEmpty();

        HttpResponse<String> wrongRedirect = get(withQuery(atlassian.authorizationEndpoint(),
                map("audience", "api.atlassian.com", "client_id", "aid", "scope", "read:jira-work",
                        "redirect_uri", "http://127.0.0.1:9877/cb/atlassian", "response_type", "code")));
        assertThat(wrongRedirect.statusCode()).isEqualTo(400);

        String code = authorizeCode(atlassian, params("read:jira-work"));
        HttpResponse<String> noSecret = postJson(atlassian.tokenEndpoint(), map("grant_type", "authorization_code",
                "client_id", "aid", "code", code, "redirect_uri", REDIRECT));
        assertThat(noSecret.statusCode()).isEqualTo(401);
        assertThat(json(noSecret).get("error").asText()).isEqualTo("access_denied");

        HttpResponse<String> mismatch = postJson(atlassian.tokenEndpoint(), map("grant_type", "authorization_code",
                "client_id", "aid", "client_secret", "asecret", "code", code, "redirect_uri", REDIRECT + "/"));
        assertThat(mismatch.statusCode()).isEqualTo(403);
        assertThat(json(mismatch).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void refreshTokenOnlyWithOfflineAccess() {
        JsonNode body = json(exchange(authorizeCode(atlassian, params("read:jira-work"))));
        assertThat(body.has("refresh_token")).isFalse();
        assertThat(atlassian.latestRefreshToken()).isNull();
    }

    @Test
    void rotationWithTenMinuteReuseLeeway() {
        String first = connect().get("refresh_token").asText();

        JsonNode second = json(refresh(first));
        String next = second.get("refresh_token").asText();
        assertThat(next).startsWith("atl-rt-").isNotEqualTo(first);
        assertThat(atlassian.latestRefreshToken()).isEqualTo(next);

        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        assertThat(atlassian.refreshTokenUsable(first)).isTrue();
        HttpResponse<String> reuse = refresh(first);
        assertThat(reuse.statusCode()).as("re-use inside the leeway still works").isEqualTo(200);
        assertThat(json(reuse).get("refresh_token").asText()).isNotEqualTo(next);
        assertThat(atlassian.refreshGrants()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(1));
        assertThat(atlassian.refreshTokenUsable(first)).isFalse();
        HttpResponse<String> late = refresh(first);
        assertThat(late.statusCode()).isEqualTo(403);
        assertThat(json(late).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(late).get("error_description").asText()).isEqualTo("Unknown or invalid refresh token.");

        assertThat(refresh(next).statusCode()).as("an unused token from the same family still works").isEqualTo(200);
        assertThat(atlassian.refreshGrants()).isEqualTo(3);
    }

    private HttpResponse<String> refreshAs(String caller, String token) {
        return postJson(withQuery(atlassian.tokenEndpoint(), map(FakeProvider.CALLER_PARAMETER, caller)), map("grant_type", "refresh_token",
                "client_id", "aid", "client_secret", "asecret", "refresh_token", token));
    }

    @Test
    void strictRotationKillsTheGrantOnTheSecondRedemptionAndTheLedgerSaysWhoDidWhat() {
        atlassian.strictRotation(true);
        String first = connect().get("refresh_token").asText();
        String next = json(refreshAs("op-1", first)).get("refresh_token").asText();
        RefreshLedger.TokenFacts firstFacts = atlassian.refreshTokenFacts(first).orElseThrow();
        RefreshLedger.TokenFacts nextFacts = atlassian.refreshTokenFacts(next).orElseThrow();
        assertThat(nextFacts.grant()).isEqualTo(firstFacts.grant());
        assertThat(nextFacts.issuedTo()).isEqualTo("op-1");
        assertThat(nextFacts.newestOfGrant()).isTrue();
        assertThat(firstFacts.newestOfGrant()).isFalse();
        assertThat(atlassian.ledger().doubleRedemptions()).isEmpty();

        HttpResponse<String> reuse = refreshAs("op-2", first);
        assertThat(reuse.statusCode()).as("no leeway").isEqualTo(403);
        assertThat(atlassian.ledger().doubleRedemptions()).singleElement().satisfies(d -> {
            assertThat(d.token()).isEqualTo(firstFacts.serial());
            assertThat(d.attempt()).isEqualTo(2);
            assertThat(d.caller()).isEqualTo("op-2");
            assertThat(d.accepted()).isFalse();
        });
        assertThat(atlassian.ledger().redemptions().get(0)).satisfies(r -> {
            assertThat(r.caller()).isEqualTo("op-1");
            assertThat(r.successor()).isEqualTo(nextFacts.serial());
        });
        assertThat(refresh(next).statusCode()).as("reuse detection revoked the whole grant").isEqualTo(403);
        assertThat(atlassian.refreshTokenFacts(next).orElseThrow().grantRevoked()).isTrue();
        assertThat(atlassian.revokedGrants()).containsExactly(firstFacts.grant());
    }

    @Test
    void eightRedemptionsAtOnceAreAllCounted() throws Exception {
        atlassian.strictRotation(true);
        String token = atlassian.seedRefreshToken(java.util.List.of("offline_access"));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            var answers = new java.util.ArrayList<java.util.concurrent.Future<HttpResponse<String>>>();
            for (int i = 0; i < 8; i++) {
                String caller = "op-" + i;
                answers.add(pool.submit(() -> refreshAs(caller, token)));
            }
            long accepted = 0;
            for (var a : answers) {
                accepted += a.get().statusCode() == 200 ? 1 : 0;
            }
            assertThat(accepted).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(atlassian.refreshTokenFacts(token).orElseThrow().redemptions()).isEqualTo(8);
        assertThat(atlassian.ledger().doubleRedemptions()).hasSize(7).extracting(RefreshLedger.Redemption::attempt)
                .containsExactlyInAnyOrder(2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void anAnswerHeldAfterTheRedemption() throws Exception {
        String token = atlassian.seedRefreshToken(java.util.List.of("offline_access"));
        AnswerGate gate = atlassian.holdAnswerAfterRedemption("op-9");
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            var answer = pool.submit(() -> refreshAs("op-9", token));
            assertThat(gate.awaitHeld(Duration.ofSeconds(10))).isTrue();
            assertThat(atlassian.refreshTokenFacts(token).orElseThrow().newestOfGrant()).as("already spent while the client waits").isFalse();
            assertThat(answer.isDone()).isFalse();
            gate.release();
            assertThat(answer.get().statusCode()).isEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void ninetyDaysOfInactivityAndOneYearAbsolute() {
        String token = connect().get("refresh_token").asText();
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofDays(89));
            HttpResponse<String> r = refresh(token);
            assertThat(r.statusCode()).as("refresh after 89 days, round %d", i).isEqualTo(200);
            token = json(r).get("refresh_token").asText();
        }
        clock.advance(Duration.ofDays(9));
        assertThat(refresh(token).statusCode()).as("the family is older than 365 days").isEqualTo(403);

        String fresh = connect().get("refresh_token").asText();
        clock.advance(Duration.ofDays(90));
        assertThat(refresh(fresh).statusCode()).isEqualTo(403);
    }

    @Test
    void accessibleResourcesAndMyself() {
        String access = connect().get("access_token").asText();
        HttpResponse<String> r = get(atlassian.resourcesEndpoint(), "Authorization", bearer(access));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode sites = json(r);
        assertThat(sites.isArray()).isTrue();
        assertThat(sites.get(0).get("id").asText()).isEqualTo(FakeAtlassian.DEFAULT_SITE.id());
        assertThat(sites.get(0).get("url").asText()).isEqualTo("https://acme.atlassian.net");
        assertThat(sites.get(0).get("name").asText()).isEqualTo("acme");
        assertThat(sites.get(0).get("scopes").toString()).contains("read:jira-work").doesNotContain("offline_access");
        assertThat(sites.get(0).get("avatarUrl").asText()).startsWith("https://");

        JsonNode me = json(get(atlassian.userinfoEndpoint(), "Authorization", bearer(access)));
        assertThat(me.get("emailAddress").asText()).isEqualTo("alice@example.com");
        assertThat(get(atlassian.myselfEndpoint("nope"), "Authorization", bearer(access)).statusCode()).isEqualTo(404);

        assertThat(get(atlassian.resourcesEndpoint(), "Authorization", bearer("atl-at-unknown")).statusCode()).isEqualTo(401);
        clock.advance(Duration.ofHours(1));
        assertThat(get(atlassian.resourcesEndpoint(), "Authorization", bearer(access)).statusCode()).as("expired").isEqualTo(401);
    }
}
