package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.integ.testing.fakes.TestHttp.authorizeCode;
import static dev.integ.testing.fakes.TestHttp.authorizeRedirect;
import static dev.integ.testing.fakes.TestHttp.basic;
import static dev.integ.testing.fakes.TestHttp.bearer;
import static dev.integ.testing.fakes.TestHttp.get;
import static dev.integ.testing.fakes.TestHttp.json;
import static dev.integ.testing.fakes.TestHttp.map;
import static dev.integ.testing.fakes.TestHttp.postForm;
import static dev.integ.testing.fakes.TestHttp.queryOf;
import static dev.integ.testing.fakes.TestHttp.withQuery;
import static org.assertj.core.api.Assertions.assertThat;

class FakeSlackTest {
    private static final String REDIRECT = "http://localhost:3118/cb/slack";

    private final MutableClock clock = new MutableClock();
    private final FakeSlack slack = new FakeSlack("cid", "secret", clock);

    {
        slack.registerRedirect(REDIRECT);
    }

    @AfterEach
    void close() {
        assertThat(slack.handlerErrors()).isEmpty();
        slack.close();
    }

    private Map<String, String> authorizeParams(String verifier) {
        Map<String, String> p = map("client_id", "cid", "user_scope", "chat:write,channels:read",
                "redirect_uri", REDIRECT, "state", "st+ate/1 ü");
        if (verifier != null) {
            p.put("code_challenge", Pkce.s256(verifier));
            p.put("code_challenge_method", "S256");
        }
        return p;
    }

    private HttpResponse<String> exchange(String code, String verifier, String redirect) {
        Map<String, String> body = map("grant_type", "authorization_code", "code", code, "redirect_uri", redirect);
        if (verifier != null) {
            body.put("code_verifier", verifier);
        }
        return postForm(slack.tokenEndpoint(), body, "Authorization", basic("cid", "secret"));
    }

    private HttpResponse<String> refresh(String refreshToken) {
        return postForm(slack.tokenEndpoint(), map("grant_type", "refresh_token", "refresh_token", refreshToken),
                "Authorization", basic("cid", "secret"));
    }

    @Test
    void userTokenWithPkceAndRotation() {
        slack.rotation(true);
        String verifier = Pkce.newVerifier();
        String location = authorizeRedirect(slack, authorizeParams(verifier));
        assertThat(location).startsWith(REDIRECT + "?code=");
        assertThat(queryOf(location)).containsEntry("state", "st+ate/1 ü");

        HttpResponse<String> r = exchange(queryOf(location).get("code"), verifier, REDIRECT);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("ok").asBoolean()).isTrue();
        assertThat(body.get("app_id").asText()).isEqualTo("A1");
        JsonNode user = body.get("authed_user");
        assertThat(user.get("id").asText()).isEqualTo("U123");
        assertThat(user.get("scope").asText()).isEqualTo("chat:write,channels:read");
        assertThat(user.get("token_type").asText()).isEqualTo("user");
        assertThat(user.get("access_token").asText()).startsWith("xoxe.xoxp-");
        assertThat(user.get("refresh_token").asText()).startsWith("xoxe-1-");
        assertThat(user.get("expires_in").asLong()).isEqualTo(43200);
        assertThat(body.get("team").get("id").asText()).isEqualTo("T123");
        assertThat(body.get("team").get("name").asText()).isEqualTo("Acme");
        assertThat(body.has("enterprise")).isTrue();
        assertThat(body.get("enterprise").isNull()).isTrue();
        assertThat(body.has("access_token")).as("no bot token without bot scopes").isFalse();

        assertThat(slack.codeGrants()).isEqualTo(1);
        assertThat(slack.tokenRequests()).singleElement().satisfies(req -> {
            assertThat(req).containsEntry("auth", "basic").containsEntry("code_verifier", verifier);
        });
        String access = user.get("access_token").asText();
        assertThat(slack.isAccessTokenValid(access)).isTrue();
        assertThat(slack.latestRefreshToken()).isEqualTo(user.get("refresh_token").asText());
        clock.advance(Duration.ofSeconds(43200));
        assertThat(slack.isAccessTokenValid(access)).as("rotated tokens expire after 12 h").isFalse();
    }

    @Test
    void pkceMismatchIsOkFalseWithHttp200() {
        String verifier = Pkce.newVerifier();
        String code = authorizeCode(slack, authorizeParams(verifier));

        HttpResponse<String> wrong = exchange(code, Pkce.newVerifier(), REDIRECT);
        assertThat(wrong.statusCode()).isEqualTo(200);
        assertThat(json(wrong).get("ok").asBoolean()).isFalse();
        assertThat(json(wrong).get("error").asText()).isEqualTo("invalid_code_verifier");
        HttpResponse<String> missing = exchange(code, null, REDIRECT);
        assertThat(json(missing).get("error").asText()).isEqualTo("invalid_code_verifier");

        assertThat(json(exchange(code, verifier, REDIRECT)).get("ok").asBoolean()).as("the right verifier still works").isTrue();
        assertThat(json(exchange(code, verifier, REDIRECT)).get("error").asText()).as("single use").isEqualTo("invalid_code");
    }

    @Test
    void redirectMustMatchExactly() {
        HttpResponse<String> page = get(withQuery(slack.authorizationEndpoint(),
                map("client_id", "cid", "user_scope", "chat:write", "redirect_uri", "http://127.0.0.1:3118/cb/slack", "state", "s")));
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.headers().firstValue("Location")).isEmpty();
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/html"));
        assertThat(page.body()).contains("redirect_uri did not match any configured URIs");

        HttpResponse<String> otherPort = get(withQuery(slack.authorizationEndpoint(),
                map("client_id", "cid", "user_scope", "chat:write", "redirect_uri", "http://localhost:3119/cb/slack")));
        assertThat(otherPort.statusCode()).isEqualTo(400);

        String code = authorizeCode(slack, authorizeParams(null));
        HttpResponse<String> r = exchange(code, null, REDIRECT + "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("error").asText()).isEqualTo("bad_redirect_uri");
    }

    @Test
    void clientErrorsAndExpiredCodes() {
        String code = authorizeCode(slack, authorizeParams(null));
        HttpResponse<String> badSecret = postForm(slack.tokenEndpoint(), map("code", code, "redirect_uri", REDIRECT),
                "Authorization", basic("cid", "nope"));
        assertThat(badSecret.statusCode()).isEqualTo(200);
        assertThat(json(badSecret).get("error").asText()).isEqualTo("bad_client_secret");

        HttpResponse<String> badClient = postForm(slack.tokenEndpoint(),
                map("code", code, "redirect_uri", REDIRECT, "client_id", "other", "client_secret", "secret"));
        assertThat(json(badClient).get("error").asText()).isEqualTo("invalid_client_id");
        assertThat(slack.tokenRequests().get(1)).containsEntry("auth", "post");

        HttpResponse<String> noSecret = postForm(slack.tokenEndpoint(), map("code", code, "redirect_uri", REDIRECT, "client_id", "cid"));
        assertThat(json(noSecret).get("error").asText()).isEqualTo("bad_client_secret");

        clock.advance(Duration.ofMinutes(10));
        assertThat(json(exchange(code, null, REDIRECT)).get("error").asText()).as("codes live 10 minutes").isEqualTo("invalid_code");
        assertThat(slack.codeGrants()).isZero();
    }

    @Test
    void publicClientNeedsNoSecret() {
        slack.publicClient(true).rotation(true);
        String verifier = Pkce.newVerifier();
        String code = authorizeCode(slack, authorizeParams(verifier));
        HttpResponse<String> r = postForm(slack.tokenEndpoint(), map("client_id", "cid", "code", code,
                "redirect_uri", REDIRECT, "code_verifier", verifier));
        assertThat(json(r).get("ok").asBoolean()).isTrue();
        assertThat(slack.tokenRequests().get(0)).containsEntry("auth", "none");
        String refresh = json(r).get("authed_user").get("refresh_token").asText();
        JsonNode refreshed = json(postForm(slack.tokenEndpoint(),
                map("client_id", "cid", "grant_type", "refresh_token", "refresh_token", refresh)));
        assertThat(refreshed.get("ok").asBoolean()).isTrue();
    }

    @Test
    void rotatedRefreshTokensAreSingleUse() {
        slack.rotation(true);
        String code = authorizeCode(slack, authorizeParams(null));
        String first = json(exchange(code, null, REDIRECT)).get("authed_user").get("refresh_token").asText();

        JsonNode refreshed = json(refresh(first));
        assertThat(refreshed.get("ok").asBoolean()).isTrue();
        assertThat(refreshed.get("access_token").asText()).startsWith("xoxe.xoxp-");
        assertThat(refreshed.get("refresh_token").asText()).startsWith("xoxe-1-").isNotEqualTo(first);
        assertThat(refreshed.get("expires_in").asLong()).isEqualTo(43200);
        assertThat(refreshed.get("token_type").asText()).isEqualTo("user");
        assertThat(refreshed.get("scope").asText()).isEqualTo("chat:write,channels:read");
        assertThat(slack.refreshTokenUsable(first)).isFalse();
        assertThat(slack.latestRefreshToken()).isEqualTo(refreshed.get("refresh_token").asText());

        HttpResponse<String> again = refresh(first);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("error").asText()).isEqualTo("invalid_refresh_token");
        assertThat(json(refresh("xoxe-1-unknown")).get("error").asText()).isEqualTo("invalid_refresh_token");
        assertThat(slack.refreshGrants()).isEqualTo(1);
    }

    @Test
    void concurrentRefreshesWithOneTokenHaveOneWinner() throws Exception {
        slack.rotation(true);
        String code = authorizeCode(slack, authorizeParams(null));
        String token = json(exchange(code, null, REDIRECT)).get("authed_user").get("refresh_token").asText();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<JsonNode>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(() -> json(refresh(token)));
            }
            List<JsonNode> answers = new ArrayList<>();
            for (Future<JsonNode> f : pool.invokeAll(calls)) {
                answers.add(f.get());
            }
            assertThat(answers).filteredOn(a -> a.get("ok").asBoolean()).hasSize(1);
            assertThat(answers).filteredOn(a -> !a.get("ok").asBoolean())
                    .allSatisfy(a -> assertThat(a.get("error").asText()).isEqualTo("invalid_refresh_token"));
        } finally {
            pool.shutdownNow();
        }
        assertThat(slack.refreshGrants()).isEqualTo(1);
        assertThat(slack.tokenRequests()).hasSize(9);
    }

    @Test
    void withoutRotationTokensNeverExpireAndCannotRefresh() {
        String code = authorizeCode(slack, authorizeParams(null));
        JsonNode user = json(exchange(code, null, REDIRECT)).get("authed_user");
        assertThat(user.get("access_token").asText()).startsWith("xoxp-");
        assertThat(user.has("refresh_token")).isFalse();
        assertThat(user.has("expires_in")).isFalse();
        clock.advance(Duration.ofDays(3650));
        assertThat(slack.isAccessTokenValid(user.get("access_token").asText())).isTrue();
        assertThat(slack.latestRefreshToken()).isNull();
    }

    @Test
    void botScopesGiveTopLevelBotToken() {
        slack.registerRedirect(REDIRECT + "?x=1");
        String location = authorizeRedirect(slack, map("client_id", "cid", "scope", "chat:write,commands",
                "redirect_uri", REDIRECT + "?x=1", "state", "s"));
        assertThat(location).startsWith(REDIRECT + "?x=1&code=");
        JsonNode body = json(exchange(queryOf(location).get("code"), null, REDIRECT + "?x=1"));
        assertThat(body.get("access_token").asText()).startsWith("xoxb-");
        assertThat(body.get("token_type").asText()).isEqualTo("bot");
        assertThat(body.get("scope").asText()).isEqualTo("chat:write,commands");
        assertThat(body.get("bot_user_id").asText()).isEqualTo("U0BOT");
        assertThat(body.get("authed_user").has("access_token")).isFalse();
    }

    @Test
    void narrowerGrantAndDenial() {
        slack.grantOnly(java.util.Set.of("chat:write"));
        String code = authorizeCode(slack, authorizeParams(null));
        assertThat(json(exchange(code, null, REDIRECT)).get("authed_user").get("scope").asText()).isEqualTo("chat:write");

        slack.denyNext();
        Map<String, String> denied = queryOf(authorizeRedirect(slack, authorizeParams(null)));
        assertThat(denied).containsEntry("error", "access_denied").containsEntry("state", "st+ate/1 ü").doesNotContainKey("code");
        assertThat(slack.authorizeRequests()).hasSize(2);
        assertThat(slack.authorizeRequests().get(1)).containsEntry("user_scope", "chat:write,channels:read");
    }

    @Test
    void revokeByBearerWithTestMode() {
        String code = authorizeCode(slack, authorizeParams(null));
        String access = json(exchange(code, null, REDIRECT)).get("authed_user").get("access_token").asText();

        JsonNode who = json(get(slack.userinfoEndpoint(), "Authorization", bearer(access)));
        assertThat(who.get("ok").asBoolean()).isTrue();
        assertThat(who.get("user_id").asText()).isEqualTo("U123");

        JsonNode dry = json(postForm(slack.revocationEndpoint(), map("test", "1"), "Authorization", bearer(access)));
        assertThat(dry.get("ok").asBoolean()).isTrue();
        assertThat(dry.get("revoked").asBoolean()).isFalse();
        assertThat(slack.isAccessTokenValid(access)).isTrue();

        JsonNode real = json(get(slack.revocationEndpoint(), "Authorization", bearer(access)));
        assertThat(real.get("ok").asBoolean()).isTrue();
        assertThat(real.get("revoked").asBoolean()).isTrue();
        assertThat(slack.isAccessTokenValid(access)).isFalse();
        assertThat(json(get(slack.userinfoEndpoint(), "Authorization", bearer(access))).get("error").asText()).isEqualTo("token_revoked");

        HttpResponse<String> unknown = postForm(slack.revocationEndpoint(), map(), "Authorization", bearer("xoxp-nope"));
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(json(unknown).get("error").asText()).isEqualTo("invalid_auth");
        assertThat(json(postForm(slack.revocationEndpoint(), map("token", access))).get("error").asText()).isEqualTo("not_bearer_token");
        assertThat(slack.revokeCalls()).isEqualTo(4);
    }
}
