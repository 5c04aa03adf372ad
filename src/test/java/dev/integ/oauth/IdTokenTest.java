package dev.integ.oauth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdTokenTest {
    private static final Instant NOW = Instant.parse("2026-11-27T06:00:00Z");
    private static final String ISSUER = "https://id.example.com";

    private static Map<String, Object> claims() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", ISSUER);
        c.put("aud", "integ-cli");
        c.put("sub", "248289761001");
        c.put("email", "alice@example.com");
        c.put("iat", NOW.getEpochSecond());
        c.put("exp", NOW.plusSeconds(3600).getEpochSecond());
        c.put("nonce", "n-0S6_WzA2Mj");
        return c;
    }

    private static String jwt(Map<String, Object> claims) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        ObjectMapper json = new ObjectMapper();
        return b64.encodeToString(json.writeValueAsBytes(Map.of("alg", "RS256", "kid", "k1"))) + "."
                + b64.encodeToString(json.writeValueAsBytes(claims)) + ".c2lnbmF0dXJl";
    }

    private static void check(Map<String, Object> claims) throws Exception {
        IdToken.checked("acme", jwt(claims), ISSUER, "integ-cli", "n-0S6_WzA2Mj", NOW);
    }

    @Test
    void aTokenForThisClientAndSignInPassesAndNamesTheAccount() throws Exception {
        String jwt = jwt(claims());
        IdToken token = IdToken.checked("acme", jwt, ISSUER, "integ-cli", "n-0S6_WzA2Mj", NOW);
        assertThat(token.subject()).isEqualTo("248289761001");
        assertThat(token.email()).isEqualTo("alice@example.com");
        assertThat(token.audience()).containsExactly("integ-cli");
        assertThat(token.toString()).contains("248289761001").doesNotContain("n-0S6_WzA2Mj");
        // no nonce was sent (a provider without openid in its scopes): none is asked for
        assertThatCode(() -> IdToken.checked("acme", jwt, ISSUER, "integ-cli", null, NOW)).doesNotThrowAnyException();
        // an unknown issuer is not checked; everything else still is
        assertThatCode(() -> IdToken.checked("acme", jwt, null, "integ-cli", "n-0S6_WzA2Mj", NOW)).doesNotThrowAnyException();
    }

    @Test
    void eachRuleOfOidcCoreRefusesTheTokenAsAHumanMatter() {
        Map<String, java.util.function.Consumer<Map<String, Object>>> cases = new LinkedHashMap<>();
        cases.put("it was issued by https://other.example.com, not https://id.example.com", c -> c.put("iss", "https://other.example.com"));
        cases.put("it names no issuer (iss)", c -> c.remove("iss"));
        cases.put("it was issued to someone-else, not to integ's client integ-cli", c -> c.put("aud", "someone-else"));
        cases.put("it has several audiences and no authorized party (azp)", c -> c.put("aud", List.of("integ-cli", "api")));
        cases.put("its authorized party (azp) is api, not integ-cli", c -> c.put("azp", "api"));
        cases.put("it names no subject (sub)", c -> c.remove("sub"));
        cases.put("it has no expiry (exp)", c -> c.remove("exp"));
        cases.put("it expired at 2026-11-27T05:54:59Z", c -> c.put("exp", NOW.minusSeconds(301).getEpochSecond()));
        cases.put("its nonce is not this sign-in's", c -> c.put("nonce", "replayed"));
        cases.put("it carries no nonce, though this sign-in sent one", c -> c.remove("nonce"));
        cases.forEach((why, change) -> {
            Map<String, Object> c = claims();
            change.accept(c);
            assertThatThrownBy(() -> check(c)).as(why).isInstanceOf(IntegException.class)
                    .hasMessage("the id_token from acme does not belong to this sign-in: " + why)
                    .satisfies(e -> assertThat(((IntegException) e).exitCode()).isEqualTo(ExitCode.HUMAN_ACTION));
        });
    }

    @Test
    void edgesThatAreAccepted() throws Exception {
        Map<String, Object> skewed = claims();
        skewed.put("exp", NOW.minusSeconds(299).getEpochSecond()); // within the 5 minutes of clock skew
        check(skewed);
        Map<String, Object> multi = claims();
        multi.put("aud", List.of("api", "integ-cli"));
        multi.put("azp", "integ-cli");
        check(multi);
        Map<String, Object> google = claims();
        google.put("iss", "id.example.com"); // Google's tokens name their issuer with or without https://
        check(google);
        Map<String, Object> http = claims();
        http.put("iss", "http://id.example.com"); // another scheme is another issuer
        assertThatThrownBy(() -> check(http)).hasMessageContaining("it was issued by http://id.example.com");
    }

    @Test
    void malformedTokensAreRefusedWithoutEchoingThem() {
        for (String bad : List.of("not-a-jwt", "a.b", "eyJhbGciOiJub25lIn0.!!!.", "eyJhbGciOiJub25lIn0.WzFd.", "a.b.c.d")) {
            assertThatThrownBy(() -> IdToken.checked("acme", bad, ISSUER, "integ-cli", null, NOW)).as(bad).isInstanceOf(IntegException.class)
                    .hasMessageStartingWith("the id_token from acme does not belong to this sign-in: ")
                    .satisfies(e -> assertThat(e.getMessage() + ((IntegException) e).hint()).doesNotContain(bad));
        }
    }

    @Test
    void aRefreshedTokenMustBeTheSameAccountsButNeedsNoNonceAndItsExpiryIsNotJudged() throws Exception {
        Map<String, Object> refreshed = claims();
        refreshed.remove("nonce");
        refreshed.put("exp", NOW.minusSeconds(86_400).getEpochSecond());
        assertThat(IdToken.refreshProblem(jwt(refreshed), ISSUER, "integ-cli", "248289761001")).isEmpty();
        assertThat(IdToken.refreshProblem(jwt(refreshed), ISSUER, "integ-cli", null)).isEmpty();
        assertThat(IdToken.refreshProblem(jwt(refreshed), ISSUER, "integ-cli", "someone-else"))
                .contains("it names another account (sub) than the credential's");
        refreshed.put("aud", "other-client");
        assertThat(IdToken.refreshProblem(jwt(refreshed), ISSUER, "integ-cli", "248289761001"))
                .contains("it was issued to other-client, not to integ's client integ-cli");
        assertThat(IdToken.refreshProblem("garbage", ISSUER, "integ-cli", "248289761001"))
                .contains("it is not a compact JWT (header.payload.signature)");
    }
}
