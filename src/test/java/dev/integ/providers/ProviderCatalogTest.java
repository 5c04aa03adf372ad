package dev.integ.providers;

import dev.integ.config.ConfigFile;
import dev.integ.config.Environment;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProviderCatalogTest {

    private static ConfigFile.Provider entry(Map<String, Object> values) {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.KEBAB_CASE)
                .convertValue(values, ConfigFile.Provider.class);
    }

    @Test
    void builtInsAreDataWithTheirQuirks() {
        ProviderCatalog catalog = ProviderCatalog.builtIn();
        assertThat(catalog.all()).extracting(ProviderSpec::name).containsExactly("slack", "google", "jira");
        ProviderSpec slack = catalog.resolve("slack");
        assertThat(slack.scopeParameter()).isEqualTo("user_scope");
        assertThat(slack.scopeSeparator()).isEqualTo(",");
        assertThat(slack.redirect()).isEqualTo(new ProviderSpec.Redirect("localhost", 53682, "/cb/slack"));
        assertThat(slack.client().auth()).isEqualTo(ClientAuth.CLIENT_SECRET_BASIC);
        ProviderSpec jira = catalog.resolve("atlassian");
        assertThat(jira.name()).isEqualTo("jira");
        assertThat(jira.tokenEncoding()).isEqualTo(ProviderSpec.TokenEncoding.JSON);
        assertThat(jira.authorizeParameters()).containsEntry("audience", "api.atlassian.com");
        assertThat(jira.hasRevocationEndpoint()).isFalse();
        assertThat(catalog.resolve("google_drive").name()).isEqualTo("google");
        assertThat(catalog.resolve("google").authorizeParameters()).containsEntry("access_type", "offline").containsEntry("prompt", "consent");
    }

    @Test
    void overridesOfABuiltInKeepTheRest() {
        ProviderCatalog catalog = ProviderCatalog.from(Map.of("slack", entry(Map.of("redirect-port", 3118, "scopes", List.of("chat:write")))));
        ProviderSpec slack = catalog.resolve("slack");
        assertThat(slack.redirect().port()).isEqualTo(3118);
        assertThat(slack.scopes()).containsExactly("chat:write");
        assertThat(slack.scopeParameter()).isEqualTo("user_scope");
        assertThat(slack.builtIn()).isTrue();
    }

    @Test
    void aCustomProviderByIssuer() {
        ProviderSpec acme = ProviderCatalog.from(Map.of("acme", entry(Map.of("issuer", "https://id.example.com", "client-id", "integ-cli",
                "client-secret-env", "ACME_CLIENT_SECRET", "client-auth", "client_secret_post",
                "scopes", List.of("openid", "offline_access", "api"), "redirect-host", "127.0.0.1", "redirect-path", "/callback")))).resolve("acme");
        assertThat(acme.builtIn()).isFalse();
        assertThat(acme.issuer()).isEqualTo("https://id.example.com");
        assertThat(acme.client().auth()).isEqualTo(ClientAuth.CLIENT_SECRET_POST);
        assertThat(acme.redirect()).isEqualTo(new ProviderSpec.Redirect("127.0.0.1", 0, "/callback"));
        assertThat(acme.pkce()).isTrue();
    }

    @Test
    void aCustomProviderNeedsAnIssuerOrEndpoints() {
        assertThatThrownBy(() -> ProviderCatalog.from(Map.of("acme", entry(Map.of("client-id", "x")))))
                .hasMessageContaining("providers.acme has neither an issuer nor endpoints");
    }

    @Test
    void badValuesAreNamedByTheirKey() {
        assertUsage(Map.of("token-endpoint", "http://id.example.com/token", "authorization-endpoint", "https://id.example.com/a"),
                "invalid providers.acme.token-endpoint");
        assertUsage(Map.of("issuer", "https://id.example.com", "redirect-host", "0.0.0.0"), "invalid providers.acme.redirect-host");
        assertUsage(Map.of("issuer", "https://id.example.com", "client-auth", "private_key_jwt"), "invalid providers.acme.client-auth");
        assertUsage(Map.of("issuer", "https://id.example.com", "authorize-parameters", Map.of("state", "fixed")),
                "invalid providers.acme.authorize-parameters key 'state'");
        assertUsage(Map.of("issuer", "https://id.example.com", "authorize-parameters", Map.of("nonce", "fixed")),
                "invalid providers.acme.authorize-parameters key 'nonce'");
        assertUsage(Map.of("issuer", "https://id.example.com", "client-secret-env", "s3cr3t value!"), "client-secret-env");
        assertUsage(Map.of("issuer", "https://id.example.com", "scopes", List.of("a b")), "invalid scope 'a b'");
    }

    @Test
    void anAliasCannotBeTakenByACustomProvider() {
        assertThatThrownBy(() -> ProviderCatalog.from(Map.of("google_drive", entry(Map.of("issuer", "https://id.example.com")))))
                .hasMessageContaining("already the name of a built-in provider");
    }

    @Test
    void unknownProviderIsBadInputAndListsTheKnownOnes() {
        assertThatThrownBy(() -> ProviderCatalog.builtIn().resolve("github"))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("slack, google, jira");
    }

    @Test
    void missingClientSettingsNameTheVariables() {
        ProviderSpec slack = ProviderCatalog.builtIn().resolve("slack");
        Environment empty = new Environment(Map.of());
        assertThat(ClientCredentials.missing(slack, empty)).hasSize(2);
        assertThatThrownBy(() -> ClientCredentials.resolve(slack, empty))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("SLACK_CLIENT_ID").hasMessageContaining("SLACK_CLIENT_SECRET");
        ClientCredentials ready = ClientCredentials.resolve(slack, new Environment(Map.of("SLACK_CLIENT_ID", "123.456",
                "SLACK_CLIENT_SECRET", "sekret-value")));
        assertThat(ready.clientId()).isEqualTo("123.456");
        assertThat(ready.secret().reveal()).isEqualTo("sekret-value");
        assertThat(ready.toString()).doesNotContain("sekret-value");
    }

    @Test
    void aSecretFileMustBePrivate(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("secret");
        Files.writeString(file, "file-secret\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        ProviderSpec jira = ProviderCatalog.builtIn().resolve("jira");
        Environment env = new Environment(Map.of("JIRA_CLIENT_ID", "abc", "JIRA_CLIENT_SECRET_FILE", file.toString()));
        assertThatThrownBy(() -> ClientCredentials.resolve(jira, env))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION))
                .hasMessageContaining("readable by others");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(ClientCredentials.resolve(jira, env).secret().reveal()).isEqualTo("file-secret");
    }

    @Test
    void aPublicClientNeedsNoSecret() {
        ProviderCatalog catalog = ProviderCatalog.from(Map.of("slack", entry(Map.of("client-auth", "none", "client-id", "1.2"))));
        ClientCredentials c = ClientCredentials.resolve(catalog.resolve("slack"), new Environment(Map.of()));
        assertThat(c.secret()).isNull();
    }

    private static void assertUsage(Map<String, Object> values, String message) {
        assertThatThrownBy(() -> ProviderCatalog.from(Map.of("acme", entry(values))))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining(message);
    }

    @Test
    void aBuilderFromAProviderCarriesEveryField() {
        // a field added to ProviderSpec but not to Builder's copy constructor would be lost by every override
        ProviderCatalog.builtIn().all().forEach(spec -> assertThat(spec.toBuilder().build()).isEqualTo(spec));
        ProviderSpec acme = ProviderCatalog.from(Map.of("acme", entry(Map.of("issuer", "https://id.example.com",
                "refresh-token-lifetime", "7d", "revoke-advice", "ask an admin")))).resolve("acme");
        assertThat(acme.toBuilder().build()).isEqualTo(acme);
    }

    @Test
    void anEntryBuiltWithNoKeyIsTheEmptyEntryOfTheFile() {
        assertThat(ConfigFile.Provider.builder().build()).isEqualTo(entry(Map.of()));
        assertThat(ConfigFile.Provider.builder().issuer("https://id.example.com").redirectPort(3118).build())
                .isEqualTo(entry(Map.of("issuer", "https://id.example.com", "redirect-port", 3118)));
    }
}
