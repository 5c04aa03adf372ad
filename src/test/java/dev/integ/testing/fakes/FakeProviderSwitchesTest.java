package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.integ.testing.fakes.TestHttp.authorizeCode;
import static dev.integ.testing.fakes.TestHttp.get;
import static dev.integ.testing.fakes.TestHttp.json;
import static dev.integ.testing.fakes.TestHttp.map;
import static dev.integ.testing.fakes.TestHttp.postForm;
import static dev.integ.testing.fakes.TestHttp.withQuery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The failure switches and bookkeeping shared by every fake, exercised through FakeGoogle. */
class FakeProviderSwitchesTest {
    private static final String REDIRECT = "http://127.0.0.1:50000/cb";

    private final MutableClock clock = new MutableClock();
    private final FakeGoogle google = new FakeGoogle("gid", "gsecret", clock);

    @AfterEach
    void close() {
        assertThat(google.handlerErrors()).isEmpty();
        google.close();
    }

    private Map<String, String> params() {
        return map("client_id", "gid", "response_type", "code", "redirect_uri", REDIRECT, "scope", "openid",
                "access_type", "offline", "state", "s");
    }

    private HttpResponse<String> exchange(String code) {
        return postForm(google.tokenEndpoint(), map("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", "gid", "client_secret", "gsecret"));
    }

    private HttpResponse<String> refresh(String token) {
        return postForm(google.tokenEndpoint(), map("grant_type", "refresh_token", "refresh_token", token,
                "client_id", "gid", "client_secret", "gsecret"));
    }

    @Test
    void mutableClockMovesOnlyWhenTold() {
        Clock zoned = clock.withZone(ZoneId.of("Europe/Berlin"));
        var start = clock.instant();
        assertThat(clock.instant()).isEqualTo(MutableClock.DEFAULT_START).isEqualTo(start);
        clock.advance(Duration.ofMinutes(5));
        assertThat(zoned.instant()).isEqualTo(start.plusSeconds(300));
        assertThat(google.clock()).isSameAs(clock);
    }

    @Test
    void transientTokenFailuresThenSuccess() {
        String code = authorizeCode(google, params());
        google.failNextTokenCalls(2, 503, Duration.ofSeconds(7));
        HttpResponse<String> first = exchange(code);
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(first.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(exchange(code).statusCode()).isEqualTo(503);
        assertThat(exchange(code).statusCode()).as("the code survived the failures").isEqualTo(200);
        assertThat(google.tokenRequests()).hasSize(3);
        assertThat(google.codeGrants()).isEqualTo(1);

        google.failNextTokenCalls(1, 500);
        assertThat(refresh(google.latestRefreshToken()).statusCode()).isEqualTo(500);
        assertThat(refresh(google.latestRefreshToken()).statusCode()).isEqualTo(200);
        assertThat(google.refreshGrants()).isEqualTo(1);
    }

    @Test
    void downAnswers503EverywhereUntilUp() {
        google.down();
        assertThat(get(withQuery(google.authorizationEndpoint(), params())).statusCode()).isEqualTo(503);
        assertThat(exchange("whatever").statusCode()).isEqualTo(503);
        assertThat(postForm(google.revocationEndpoint(), map("token", "x")).statusCode()).isEqualTo(503);
        google.up();
        assertThat(exchange(authorizeCode(google, params())).statusCode()).isEqualTo(200);
    }

    @Test
    void stopListeningRefusesConnections() {
        String code = authorizeCode(google, params());
        google.stopListening();
        assertThatThrownBy(() -> exchange(code)).isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(ConnectException.class);
        google.resumeListening();
        assertThat(exchange(code).statusCode()).isEqualTo(200);
    }

    @Test
    void expireAndRevokeSwitches() {
        JsonNode tokens = json(exchange(authorizeCode(google, params())));
        String rt = tokens.get("refresh_token").asText();
        String access = tokens.get("access_token").asText();
        google.expireAllRefreshTokens();
        assertThat(google.refreshTokenUsable(rt)).isFalse();
        assertThat(json(refresh(rt)).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(google.isAccessTokenValid(access)).isTrue();

        JsonNode again = json(exchange(authorizeCode(google, params())));
        assertThat(google.refreshTokenUsable(again.get("refresh_token").asText())).as("new tokens are not expired").isTrue();
        google.revokeGrant();
        assertThat(google.isAccessTokenValid(again.get("access_token").asText())).isFalse();
        assertThat(refresh(again.get("refresh_token").asText()).statusCode()).isEqualTo(400);
    }

    @Test
    void accessTokensExpireOnTheFakeClock() {
        String access = json(exchange(authorizeCode(google, params()))).get("access_token").asText();
        clock.advance(Duration.ofSeconds(3598));
        assertThat(google.isAccessTokenValid(access)).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(google.isAccessTokenValid(access)).isFalse();

        google.accessTokenLifetime(Duration.ofSeconds(30));
        JsonNode shortLived = json(exchange(authorizeCode(google, params())));
        assertThat(shortLived.get("expires_in").asLong()).isEqualTo(30);
    }

    @Test
    void codesAreSingleUseAndLiveTenMinutes() {
        String code = authorizeCode(google, params());
        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        assertThat(exchange(code).statusCode()).isEqualTo(200);
        assertThat(exchange(code).statusCode()).isEqualTo(400);

        String late = authorizeCode(google, params());
        clock.advance(Duration.ofMinutes(10));
        assertThat(json(exchange(late)).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void eightThreadsRedeemingOneCodeGetOneToken() throws Exception {
        String code = authorizeCode(google, params());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(() -> exchange(code).statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(calls)) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsOnly(200, 400).filteredOn(s -> s == 200).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(google.codeGrants()).isEqualTo(1);
        assertThat(google.tokenRequests()).hasSize(8);
    }

    @Test
    void requirePkceAndUnknownClient() {
        google.requirePkce(true);
        assertThat(TestHttp.queryOf(TestHttp.authorizeRedirect(google, params()))).containsEntry("error", "invalid_request");
        Map<String, String> unknown = params();
        unknown.put("client_id", "nope");
        HttpResponse<String> page = get(withQuery(google.authorizationEndpoint(), unknown));
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("invalid_client");
        assertThat(google.authorizeRequests()).hasSize(2);
    }
}
