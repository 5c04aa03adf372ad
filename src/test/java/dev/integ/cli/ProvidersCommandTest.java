package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.testing.Cli;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** `integ providers`: built-in and custom, configured or not; no store needed, and never a secret. */
class ProvidersCommandTest {

    @Test
    void listsBuiltInsAndNamesWhatIsMissing() {
        Cli cli = Cli.inTempHome().env("SLACK_CLIENT_ID", "1.2").env("SLACK_CLIENT_SECRET", "very-secret-value");
        Cli.Result r = cli.run("providers");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^slack\\s+Slack\\s+built-in\\s+http://localhost:53682/cb/slack\\s+yes$")
                .containsPattern("(?m)^jira .*no: set JIRA_CLIENT_ID").doesNotContain("very-secret-value");
        Cli.Result show = cli.run("providers", "show", "slack", "-o", "json");
        assertThat(show.out()).contains("\"client_secret\" : \"set (SLACK_CLIENT_SECRET)\"").doesNotContain("very-secret-value");
    }

    @Test
    void showsACustomProviderFromTheConfig() throws Exception {
        Cli cli = Cli.inTempHome().config("""
                providers:
                  acme:
                    issuer: https://id.example.com
                    client-id: integ-cli
                    client-auth: none
                    scopes: [openid, offline_access, api]
                """);
        Cli.Result r = cli.run("providers", "show", "acme", "-o", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertThat(doc.path("ready").asBoolean()).isTrue();
        assertThat(doc.path("client_secret").asText()).isEqualTo("none (public client)");
        assertThat(doc.path("redirect_uri").asText()).isEqualTo("http://127.0.0.1:<free port>/cb/acme");
        assertThat(cli.run("providers", "show", "nope").exitCode()).as("unknown provider: bad input, as everywhere").isEqualTo(2);
    }

    @Test
    void aBrokenProviderEntryIsAUsageErrorNamingTheKey() {
        Cli cli = Cli.inTempHome().config("""
                providers:
                  acme:
                    issuer: http://id.example.com
                """);
        Cli.Result r = cli.run("providers");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("invalid providers.acme.issuer");
    }

    @Test
    void aBrokenProviderEntryFailsEveryCommandBeforeItDoesAnything() {
        // the catalog is checked with the settings (Services.settings), not when a command first asks for a provider
        Cli cli = Cli.inTempHome().config("""
                providers:
                  acme:
                    issuer: http://id.example.com
                """);
        Cli.Result r = cli.run("list");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("invalid providers.acme.issuer");
    }
}
