package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

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

class FakeGoogleTest {
    private static final String REDIRECT = "http://127.0.0.1:54321/cb/google";

    private final MutableClock clock = new MutableClock();
    private final FakeGoogle google = new FakeGoogle("gid", "gsecret", clock);

    @AfterEach
    void close() {
        assertThat(google.handlerErrors()).isEmpty();
        google.close();
    }

    private Map<String, String> params(String redirect, String scope) {
        return map("client_id", "gid", "response_type", "code", "redirect_uri", redirect, "scope", scope,
                "state", "xyz", "access_type", "offline", "prompt", "consent");
    }

    private HttpResponse<String> exchange(String code, String verifier, String redirect) {
        Map<String, String> body = map("grant_type", "authorization_code", "code", code, "redirect_uri", redirect,
                "client_id", "gid", "client_secret", "gsecret");
        if (verifier != null) {
            body.put("code_verifier", verifier);
        }
        return postForm(google.tokenEndpoint(), body);
    }

    private HttpResponse<String> refresh(String token) {
        return postForm(google.tokenEndpoint(), map("grant_type", "refresh_token", "refresh_token", token,
                "client_id", "gid", "client_secret", "gsecret"));
    }

    @Test
    void anyLoopbackPortIsAcceptedButNothingElse() {
        for (String redirect : new String[] {REDIRECT, "http://[::1]:1/", "http://localhost:9/x?y=z"}) {
            assertThat(queryOf(authorizeRedirect(google, params(redirect, "openid")))).containsKey("code");
        }
        for (String redirect : new String[] {"https://evil.example/cb", "http://127.0.0.2:80/", "https://127.0.0.1:5/"}) {
            HttpResponse<String> page = get(withQuery(google.authorizationEndpoint(), params(redirect, "openid")));
            assertThat(page.statusCode()).as(redirect).isEqualTo(400);
            assertThat(page.body()).contains("redirect_uri_mismatch");
        }
    }

    @Test
    void offlineExchangeWithS256() throws Exception {
        String verifier = Pkce.newVerifier();
        Map<String, String> p = params(REDIRECT, "openid email https://www.googleapis.com/auth/drive.readonly");
        p.put("code_challenge", Pkce.s256(verifier));
        p.put("code_challenge_method", "S256");
        String location = authorizeRedirect(google, p);
        assertThat(queryOf(location)).containsEntry("state", "xyz");

        HttpResponse<String> r = exchange(queryOf(location).get("code"), verifier, REDIRECT);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("access_token").asText()).startsWith("ya29.");
        assertThat(body.get("expires_in").asLong()).isEqualTo(3599);
        assertThat(body.get("refresh_token").asText()).startsWith("1//");
        assertThat(body.get("scope").asText()).isEqualTo("openid email https://www.googleapis.com/auth/drive.readonly");
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        String[] jwt = body.get("id_token").asText().split("\\.", -1);
        assertThat(jwt).hasSize(3);
        JsonNode claims = TestHttp.JSON.readTree(new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8));
        assertThat(claims.get("iss").asText()).isEqualTo(google.issuer());
        assertThat(claims.get("aud").asText()).isEqualTo("gid");
        assertThat(claims.get("email").asText()).isEqualTo("alice@example.com");
        assertThat(google.tokenRequests().get(0)).containsEntry("auth", "post");

        JsonNode me = json(get(google.userinfoEndpoint(), "Authorization", bearer(body.get("access_token").asText())));
        assertThat(me.get("email").asText()).isEqualTo("alice@example.com");
        assertThat(me.get("email_verified").asBoolean()).isTrue();
        assertThat(me.get("sub").asText()).isNotBlank();
    }

    @Test
    void plainIsTheDefaultChallengeMethod() {
        String verifier = Pkce.newVerifier();
        Map<String, String> p = params(REDIRECT, "openid");
        p.put("code_challenge", verifier);
        String code = authorizeCode(google, p);
        assertThat(exchange(code, verifier, REDIRECT).statusCode()).isEqualTo(200);

        Map<String, String> s256AsPlain = params(REDIRECT, "openid");
        s256AsPlain.put("code_challenge", Pkce.s256(verifier));
        String code2 = authorizeCode(google, s256AsPlain);
        HttpResponse<String> r = exchange(code2, verifier, REDIRECT);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(r).get("error_description").asText()).isEqualTo("Bad Request");
    }

    @Test
    void tokenRedirectMustEqualTheAuthorizeOne() {
        String code = authorizeCode(google, params(REDIRECT, "openid"));
        HttpResponse<String> r = exchange(code, null, "http://127.0.0.1:54322/cb/google");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isEqualTo("redirect_uri_mismatch");
    }

    @Test
    void clientAuthentication() {
        String code = authorizeCode(google, params(REDIRECT, "openid"));
        HttpResponse<String> wrong = postForm(google.tokenEndpoint(), map("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", "gid", "client_secret", "nope"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong).get("error").asText()).isEqualTo("invalid_client");
        HttpResponse<String> unknown = postForm(google.tokenEndpoint(), map("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", "other"));
        assertThat(unknown.statusCode()).isEqualTo(401);

        HttpResponse<String> noSecret = postForm(google.tokenEndpoint(), map("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", "gid"));
        assertThat(noSecret.statusCode()).as("client_secret is optional").isEqualTo(200);
        assertThat(google.tokenRequests().get(2)).containsEntry("auth", "none");

        String code2 = authorizeCode(google, params(REDIRECT, "openid"));
        HttpResponse<String> viaBasic = postForm(google.tokenEndpoint(), map("grant_type", "authorization_code", "code", code2,
                "redirect_uri", REDIRECT), "Authorization", basic("gid", "gsecret"));
        assertThat(viaBasic.statusCode()).isEqualTo(200);
        assertThat(google.tokenRequests().get(3)).containsEntry("auth", "basic");
    }

    @Test
    void noRefreshTokenWithoutOfflineAccess() {
        Map<String, String> p = params(REDIRECT, "openid");
        p.remove("access_type");
        JsonNode body = json(exchange(authorizeCode(google, p), null, REDIRECT));
        assertThat(body.has("refresh_token")).isFalse();
        assertThat(body.has("access_token")).isTrue();
    }

    @Test
    void refreshKeepsTheRefreshToken() {
        JsonNode first = json(exchange(authorizeCode(google, params(REDIRECT, "https://www.googleapis.com/auth/drive.file")), null, REDIRECT));
        String refreshToken = first.get("refresh_token").asText();

        HttpResponse<String> r = refresh(refreshToken);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.has("refresh_token")).isFalse();
        assertThat(body.has("id_token")).isFalse();
        assertThat(body.get("access_token").asText()).startsWith("ya29.").isNotEqualTo(first.get("access_token").asText());
        assertThat(body.get("expires_in").asLong()).isEqualTo(3599);
        assertThat(google.refreshTokenUsable(refreshToken)).isTrue();
        assertThat(refresh(refreshToken).statusCode()).isEqualTo(200);
        assertThat(google.refreshGrants()).isEqualTo(2);
        assertThat(google.latestRefreshToken()).isEqualTo(refreshToken);
    }

    @Test
    void testingModeRefreshTokensDieAfterSevenDays() {
        google.testingMode(true);
        String refreshToken = json(exchange(authorizeCode(google, params(REDIRECT, "openid")), null, REDIRECT)).get("refresh_token").asText();
        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(refresh(refreshToken).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> r = refresh(refreshToken);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(r).get("error_description").asText()).isEqualTo("Token has been expired or revoked.");
    }

    @Test
    void revokeAnswers200ThenRevokesTheGrantThen400() {
        JsonNode tokens = json(exchange(authorizeCode(google, params(REDIRECT, "openid email")), null, REDIRECT));
        String access = tokens.get("access_token").asText();
        String refreshToken = tokens.get("refresh_token").asText();

        HttpResponse<String> ok = postForm(google.revocationEndpoint(), map("token", access));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).size()).isZero();
        assertThat(google.isAccessTokenValid(access)).isFalse();
        assertThat(google.refreshTokenUsable(refreshToken)).as("revoking the access token revokes the grant").isFalse();
        assertThat(get(google.userinfoEndpoint(), "Authorization", bearer(access)).statusCode()).isEqualTo(401);

        HttpResponse<String> again = postForm(google.revocationEndpoint(), map("token", refreshToken));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(json(again).get("error").asText()).isEqualTo("invalid_token");
        assertThat(json(again).get("error_description").asText()).isEqualTo("Token expired or revoked");
        assertThat(postForm(google.revocationEndpoint(), map("token", "ya29.unknown")).statusCode()).isEqualTo(400);

        HttpResponse<String> refreshed = refresh(refreshToken);
        assertThat(refreshed.statusCode()).isEqualTo(400);
        assertThat(json(refreshed).get("error_description").asText()).isEqualTo("Token has been expired or revoked.");
        assertThat(google.revokeCalls()).isEqualTo(3);
    }

    @Test
    void narrowerGrantAndConfigurableEmail() {
        google.grantOnly(Set.of("openid", "email"));
        google.email("bob@example.org");
        JsonNode body = json(exchange(authorizeCode(google, params(REDIRECT, "openid email https://www.googleapis.com/auth/drive")), null, REDIRECT));
        assertThat(body.get("scope").asText()).isEqualTo("openid email");
        String access = body.get("access_token").asText();
        assertThat(json(get(google.userinfoEndpoint(), "Authorization", bearer(access))).get("email").asText()).isEqualTo("bob@example.org");

        assertThat(get(google.aboutEndpoint(), "Authorization", bearer(access)).statusCode()).as("fields is required").isEqualTo(400);
        JsonNode about = json(get(withQuery(google.aboutEndpoint(), map("fields", "user(displayName,emailAddress)")),
                "Authorization", bearer(access)));
        assertThat(about.get("user").get("emailAddress").asText()).isEqualTo("bob@example.org");
    }
}
