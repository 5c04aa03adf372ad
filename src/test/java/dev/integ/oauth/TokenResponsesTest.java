package dev.integ.oauth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.providers.ProviderCatalog;
import dev.integ.providers.ProviderSpec;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class TokenResponsesTest {
    private static final Instant NOW = Instant.parse("2026-11-27T03:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProviderSpec slack = ProviderCatalog.builtIn().resolve("slack");
    private final ProviderSpec google = ProviderCatalog.builtIn().resolve("google");

    private TokenOutcome read(ProviderSpec spec, int status, String body) throws Exception {
        return TokenResponses.read(spec, status, JSON.readTree(body), NOW);
    }

    @Test
    void slackUserTokenComesFromAuthedUserAndTheBotTokenIsKeptAsAnotherSecret() throws Exception {
        IssuedTokens t = (IssuedTokens) read(slack, 200, """
                {"ok":true,"access_token":"xoxb-bot","token_type":"bot","scope":"commands","app_id":"A1",
                 "team":{"id":"T1","name":"Acme"},"enterprise":null,
                 "authed_user":{"id":"U1","scope":"chat:write,channels:read","access_token":"xoxe.xoxp-user","token_type":"user",
                                "refresh_token":"xoxe-1-r","expires_in":43200}}""");
        assertThat(t.secrets().revealAccessToken()).isEqualTo("xoxe.xoxp-user");
        assertThat(t.secrets().revealRefreshToken()).isEqualTo("xoxe-1-r");
        assertThat(t.secrets().revealOther()).containsEntry("bot_access_token", "xoxb-bot");
        assertThat(t.grantedScopes()).containsExactly("chat:write", "channels:read");
        assertThat(t.expiresAt()).isEqualTo(NOW.plusSeconds(43200));
        assertThat(t.account()).containsEntry("team_id", "T1").containsEntry("team", "Acme").containsEntry("slack_user_id", "U1");
    }

    @Test
    void slackErrorsArriveWithHttp200() throws Exception {
        TokenRefusal r = (TokenRefusal) read(slack, 200, "{\"ok\":false,\"error\":\"invalid_refresh_token\"}");
        assertThat(r.error()).isEqualTo("invalid_refresh_token");
        assertThat(r.grantIsDead()).isTrue();
        TokenRefusal other = (TokenRefusal) read(slack, 200, "{\"ok\":false,\"error\":\"bad_client_secret\"}");
        assertThat(other.grantIsDead()).isFalse();
    }

    @Test
    void standardResponseAndRefusal() throws Exception {
        IssuedTokens t = (IssuedTokens) read(google, 200, """
                {"access_token":"ya29.a","expires_in":3599,"scope":"openid https://www.googleapis.com/auth/drive.file",
                 "token_type":"Bearer","id_token":"x.y.z"}""");
        assertThat(t.secrets().hasRefreshToken()).isFalse();
        assertThat(t.secrets().revealOther()).containsEntry("id_token", "x.y.z");
        assertThat(t.grantedScopes()).containsExactly("openid", "https://www.googleapis.com/auth/drive.file");
        TokenRefusal r = (TokenRefusal) read(google, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}");
        assertThat(r.grantIsDead()).isTrue();
        assertThat(r.explain()).isEqualTo("invalid_grant (Token has been expired or revoked.)");
    }

    @Test
    void aBodyThatIsNotJsonIsARefusalWithTheStatus() throws Exception {
        TokenOutcome r = TokenResponses.read(google, 502, com.fasterxml.jackson.databind.node.MissingNode.getInstance(), NOW);
        assertThat(((TokenRefusal) r).error()).isEqualTo("http_502");
    }
}
