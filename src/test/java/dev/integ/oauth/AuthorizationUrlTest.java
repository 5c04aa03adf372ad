package dev.integ.oauth;

import dev.integ.providers.ProviderCatalog;
import dev.integ.providers.ProviderSpec;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class AuthorizationUrlTest {

    @Test
    void slackSendsUserScopesCommaSeparatedWithPkce() {
        ProviderSpec slack = ProviderCatalog.builtIn().resolve("slack");
        Pkce pkce = Pkce.generate();
        URI url = AuthorizationUrl.build(slack, slack.endpoints().authorization(), "1.2", URI.create("http://localhost:53682/cb/slack"),
                "st", null, pkce);
        assertThat(url.getRawQuery()).contains("user_scope=chat%3Awrite%2Cchannels%3Aread")
                .contains("redirect_uri=http%3A%2F%2Flocalhost%3A53682%2Fcb%2Fslack")
                .contains("code_challenge=" + pkce.challenge()).contains("code_challenge_method=S256").contains("state=st")
                .doesNotContain("access_type").doesNotContain("nonce");
    }

    @Test
    void googleAsksForOfflineAccessAndAtlassianForItsAudience() {
        ProviderSpec google = ProviderCatalog.builtIn().resolve("google");
        URI g = AuthorizationUrl.build(google, google.endpoints().authorization(), "id", URI.create("http://127.0.0.1:1/cb/google"), "s", "n0nce",
                null);
        assertThat(g.getRawQuery()).contains("access_type=offline").contains("prompt=consent").contains("scope=openid%20email%20")
                .contains("nonce=n0nce");
        ProviderSpec jira = ProviderCatalog.builtIn().resolve("jira");
        URI j = AuthorizationUrl.build(jira, jira.endpoints().authorization(), "id", URI.create("http://127.0.0.1:1/cb/jira"), "s", null, null);
        assertThat(j.getRawQuery()).contains("audience=api.atlassian.com").doesNotContain("code_challenge");
    }

    @Test
    void pkceChallengeIsS256OfTheVerifier() {
        // RFC 7636 appendix B
        assertThat(Pkce.s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        Pkce p = Pkce.generate();
        assertThat(p.verifier()).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(p.toString()).doesNotContain(p.verifier());
        assertThat(SignInState.generate()).isNotEqualTo(SignInState.generate()).hasSize(43);
    }
}
