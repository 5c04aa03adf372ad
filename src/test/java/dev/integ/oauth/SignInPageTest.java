package dev.integ.oauth;

import dev.integ.core.IntegException;
import dev.integ.vault.Credential;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SignInPageTest {

    private static Credential stored(Map<String, String> account) {
        return new Credential("p", "alice", Credential.ACTIVE, List.of(), null, null, true, Instant.EPOCH, Instant.EPOCH, account);
    }

    @Test
    void theAccountIsTheBestNameTheProviderGaveAndItsWorkspaceOrSite() {
        assertThat(SignInPage.accountOf(Map.of("email", "a@example.com", "subject", "123", "team", "Acme"))).isEqualTo("a@example.com (team Acme)");
        assertThat(SignInPage.accountOf(Map.of("slack_user_id", "U1", "team_id", "T1"))).isEqualTo("U1");
        assertThat(SignInPage.accountOf(Map.of("cloud_id", "c1", "site", "https://acme.atlassian.net"))).isEqualTo("site https://acme.atlassian.net");
        assertThat(SignInPage.accountOf(Map.of())).isEmpty();
    }

    @Test
    void signedInNamesProviderAccountAndIntegUser() {
        assertThat(SignInPage.signedIn("Jira (Atlassian)", stored(Map.of("site", "https://acme.atlassian.net"))).headline())
                .isEqualTo("Signed in to Jira (Atlassian) as site https://acme.atlassian.net, stored for integ user alice.");
        assertThat(SignInPage.signedIn("acme", stored(Map.of())).headline()).isEqualTo("Signed in to acme, stored for integ user alice.");
    }

    @Test
    void anUnexpectedFailureShowsNoDetails() {
        SignInPage page = SignInPage.failed("Slack", new IllegalStateException("internal detail xyz"));
        assertThat(page.headline()).isEqualTo("The sign-in to Slack failed: integ hit an unexpected error.");
        assertThat(page.headline() + page.next()).doesNotContain("xyz");
    }

    @Test
    void aFailureWithoutAHintSaysToRunAgain() {
        SignInPage page = SignInPage.failed("Slack", IntegException.retryLater("the store is not reachable", null, null, null));
        assertThat(page.headline()).isEqualTo("The store is not reachable.");
        assertThat(page.next()).isEqualTo("What to do: Run integ connect again. The terminal running integ connect has the details.");
    }
}
