package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.integ.testing.fakes.TestHttp.authorizeCode;
import static dev.integ.testing.fakes.TestHttp.authorizeRedirect;
import static dev.integ.testing.fakes.TestHttp.basic;
import static dev.integ.testing.fakes.TestHttp.bearer;
import static dev.integ.testing.fakes.TestHttp.get;
import static dev.integ.testing.fakes.TestHttp.json;
import static dev.integ.testing.fakes.TestHttp.map;
import static dev.integ.testing.fakes.TestHttp.postForm;
import static dev.integ.testing.fakes.TestHttp.queryOf;
import static org.assertj.core.api.Assertions.assertThat;

class FakeOidcTest {
    private static final String REDIRECT = "http://127.0.0.1:40001/cb/oidc";

    private final FakeOidc oidc = new FakeOidc("oid", "osecret");

    @AfterEach
    void close() {
        assertThat(oidc.handlerErrors()).isEmpty();
        oidc.close();
    }

    private Map<String, String> params(String scope, String verifier) {
        return map("client_id", "oid", "response_type", "code", "redirect_uri", REDIRECT, "scope", scope,
                "state", "st", "code_challenge", Pkce.s256(verifier), "code_challenge_method", "S256");
    }

    private Map<String, String> codeBody(String code, String verifier) {
        return map("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT, "code_verifier", verifier);
    }

    private JsonNode connect(String scope) {
        String verifier = Pkce.newVerifier();
        HttpResponse<String> r = postForm(oidc.tokenEndpoint(), codeBody(authorizeCode(oidc, params(scope, verifier)), verifier),
                "Authorization", basic("oid", "osecret"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    private HttpResponse<String> refresh(String token) {
        return postForm(oidc.tokenEndpoint(), map("grant_type", "refresh_token", "refresh_token", token),
                "Authorization", basic("oid", "osecret"));
    }

    @Test
    void discoveryAtBothWellKnownPaths() {
        for (var uri : new java.net.URI[] {oidc.discoveryEndpoint(), oidc.metadataEndpoint()}) {
            JsonNode meta = json(get(uri));
            assertThat(meta.get("issuer").asText()).isEqualTo(oidc.issuer()).doesNotEndWith("/");
            assertThat(oidc.baseUri().toString()).isEqualTo(oidc.issuer() + "/");
            assertThat(meta.get("authorization_endpoint").asText()).isEqualTo(oidc.authorizationEndpoint().toString());
            assertThat(meta.get("token_endpoint").asText()).isEqualTo(oidc.tokenEndpoint().toString());
            assertThat(meta.get("revocation_endpoint").asText()).isEqualTo(oidc.revocationEndpoint().toString());
            assertThat(meta.get("userinfo_endpoint").asText()).isEqualTo(oidc.userinfoEndpoint().toString());
            assertThat(meta.get("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
            assertThat(meta.get("token_endpoint_auth_methods_supported").toString()).isEqualTo("[\"client_secret_basic\"]");
            assertThat(meta.get("authorization_response_iss_parameter_supported").asBoolean()).isFalse();
        }
        oidc.clientAuth("client_secret_post").advertiseIssuer("https://elsewhere.example").authorizationResponseIss(true);
        JsonNode meta = json(get(oidc.discoveryEndpoint()));
        assertThat(meta.get("issuer").asText()).isEqualTo("https://elsewhere.example");
        assertThat(meta.get("token_endpoint_auth_methods_supported").toString()).isEqualTo("[\"client_secret_post\"]");
        assertThat(meta.get("authorization_response_iss_parameter_supported").asBoolean()).isTrue();
    }

    @Test
    void issParameterWhenSwitchedOn() {
        assertThat(queryOf(authorizeRedirect(oidc, params("openid", Pkce.newVerifier())))).doesNotContainKey("iss");
        oidc.authorizationResponseIss(true);
        assertThat(queryOf(authorizeRedirect(oidc, params("openid", Pkce.newVerifier())))).containsEntry("iss", oidc.issuer());
        oidc.issParameterOverride("https://attacker.example");
        assertThat(queryOf(authorizeRedirect(oidc, params("openid", Pkce.newVerifier())))).containsEntry("iss", "https://attacker.example");
        oidc.denyNext();
        assertThat(queryOf(authorizeRedirect(oidc, params("openid", Pkce.newVerifier()))))
                .containsEntry("error", "access_denied").containsEntry("iss", "https://attacker.example");
    }

    @Test
    void onlyS256AndPkceRequiredWhenAsked() {
        Map<String, String> plain = params("openid", Pkce.newVerifier());
        plain.put("code_challenge_method", "plain");
        assertThat(queryOf(authorizeRedirect(oidc, plain))).containsEntry("error", "invalid_request");

        oidc.requirePkce(true);
        Map<String, String> none = params("openid", Pkce.newVerifier());
        none.remove("code_challenge");
        none.remove("code_challenge_method");
        assertThat(queryOf(authorizeRedirect(oidc, none))).containsEntry("error", "invalid_request").containsEntry("state", "st");
    }

    @Test
    void clientAuthenticationIsEnforced() {
        String verifier = Pkce.newVerifier();
        String code = authorizeCode(oidc, params("openid", verifier));

        Map<String, String> asPost = codeBody(code, verifier);
        asPost.put("client_id", "oid");
        asPost.put("client_secret", "osecret");
        HttpResponse<String> post = postForm(oidc.tokenEndpoint(), asPost);
        assertThat(post.statusCode()).as("basic is required").isEqualTo(401);
        assertThat(json(post).get("error").asText()).isEqualTo("invalid_client");
        assertThat(post.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(postForm(oidc.tokenEndpoint(), codeBody(code, verifier), "Authorization", basic("oid", "wrong")).statusCode())
                .isEqualTo(401);
        assertThat(postForm(oidc.tokenEndpoint(), asPost, "Authorization", basic("oid", "osecret")).statusCode())
                .as("two methods at once").isEqualTo(401);
        assertThat(postForm(oidc.tokenEndpoint(), codeBody(code, verifier), "Authorization", basic("oid", "osecret")).statusCode())
                .isEqualTo(200);

        oidc.clientAuth("client_secret_post");
        String verifier2 = Pkce.newVerifier();
        String code2 = authorizeCode(oidc, params("openid", verifier2));
        assertThat(postForm(oidc.tokenEndpoint(), codeBody(code2, verifier2), "Authorization", basic("oid", "osecret")).statusCode())
                .isEqualTo(401);
        Map<String, String> post2 = codeBody(code2, verifier2);
        post2.put("client_id", "oid");
        post2.put("client_secret", "osecret");
        assertThat(postForm(oidc.tokenEndpoint(), post2).statusCode()).isEqualTo(200);

        oidc.clientAuth("none");
        String verifier3 = Pkce.newVerifier();
        String code3 = authorizeCode(oidc, params("openid", verifier3));
        Map<String, String> public3 = codeBody(code3, verifier3);
        public3.put("client_id", "oid");
        public3.put("client_secret", "osecret");
        assertThat(postForm(oidc.tokenEndpoint(), public3).statusCode()).as("a public client sends no secret").isEqualTo(401);
        public3.remove("client_secret");
        assertThat(postForm(oidc.tokenEndpoint(), public3).statusCode()).isEqualTo(200);

        assertThat(oidc.tokenRequests()).extracting(m -> m.get("auth"))
                .containsExactly("post", "basic", "basic", "basic", "basic", "post", "post", "none");
        assertThat(oidc.codeGrants()).isEqualTo(3);
    }

    @Test
    void pkceMismatchIsInvalidGrant() {
        String code = authorizeCode(oidc, params("openid", Pkce.newVerifier()));
        HttpResponse<String> r = postForm(oidc.tokenEndpoint(), codeBody(code, Pkce.newVerifier()), "Authorization", basic("oid", "osecret"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void refreshWithAndWithoutRotation() {
        JsonNode tokens = connect("openid email offline_access");
        assertThat(tokens.get("id_token").asText()).contains(".");
        String rt = tokens.get("refresh_token").asText();
        JsonNode plain = json(refresh(rt));
        assertThat(plain.has("refresh_token")).isFalse();
        assertThat(refresh(rt).statusCode()).isEqualTo(200);
        assertThat(connect("openid").has("refresh_token")).as("no offline_access, no refresh token").isFalse();

        oidc.rotateRefreshTokens(true);
        String rotating = connect("openid offline_access").get("refresh_token").asText();
        String next = json(refresh(rotating)).get("refresh_token").asText();
        assertThat(next).isNotEqualTo(rotating);
        HttpResponse<String> reuse = refresh(rotating);
        assertThat(reuse.statusCode()).isEqualTo(400);
        assertThat(json(reuse).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(oidc.refreshTokenUsable(next)).as("without family revocation the new token lives").isTrue();

        oidc.revokeFamilyOnReuse(true);
        String third = json(refresh(next)).get("refresh_token").asText();
        assertThat(refresh(next).statusCode()).isEqualTo(400);
        assertThat(oidc.refreshTokenUsable(third)).as("reuse detected: the family is revoked").isFalse();
    }

    @Test
    void revocationAlwaysAnswers200() {
        JsonNode tokens = connect("openid offline_access");
        String access = tokens.get("access_token").asText();
        String rt = tokens.get("refresh_token").asText();

        HttpResponse<String> unknown = postForm(oidc.revocationEndpoint(), map("token", "nope"), "Authorization", basic("oid", "osecret"));
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(postForm(oidc.revocationEndpoint(), map("token", rt)).statusCode()).as("client auth required").isEqualTo(401);
        assertThat(oidc.refreshTokenUsable(rt)).isTrue();

        HttpResponse<String> revoked = postForm(oidc.revocationEndpoint(), map("token", rt, "token_type_hint", "refresh_token"),
                "Authorization", basic("oid", "osecret"));
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(oidc.refreshTokenUsable(rt)).isFalse();
        assertThat(oidc.isAccessTokenValid(access)).as("the grant goes with its refresh token").isFalse();
        assertThat(postForm(oidc.revocationEndpoint(), map("token", rt), "Authorization", basic("oid", "osecret")).statusCode())
                .isEqualTo(200);
        assertThat(oidc.revokeCalls()).isEqualTo(4);
    }

    @Test
    void userinfo() {
        String access = connect("openid email").get("access_token").asText();
        JsonNode me = json(get(oidc.userinfoEndpoint(), "Authorization", bearer(access)));
        assertThat(me.get("sub").asText()).isNotBlank();
        assertThat(me.get("email").asText()).isEqualTo("alice@example.com");
        assertThat(me.get("preferred_username").asText()).isEqualTo("alice");
        assertThat(get(oidc.userinfoEndpoint(), "Authorization", bearer("bad")).statusCode()).isEqualTo(401);
    }
}
