package dev.integ.testing;

import dev.integ.core.LoopbackPort;
import dev.integ.testing.fakes.FakeAtlassian;
import dev.integ.testing.fakes.FakeGoogle;
import dev.integ.testing.fakes.FakeOidc;
import dev.integ.testing.fakes.MutableClock;
import dev.integ.testing.fakes.FakeProvider;
import dev.integ.testing.fakes.FakeSlack;
import dev.integ.testing.fakes.ScriptedBrowser;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A vault on a throwaway redis-server, the four fake providers on loopback, and a scripted browser set
 * as $BROWSER: everything `connect`, `token`, `refresh` and `revoke` talk to, and nothing else.
 * The config file points the built-in providers at the fakes; "acme" is a custom OIDC provider found by discovery.
 * <p>
 * Register it once per test class ({@code @RegisterExtension static final OAuthFixture f = OAuthFixture.start();}):
 * each test starts from an empty store with a fresh keyset and a browser that follows the sign-in,
 * and everything is stopped after the class.
 */
public final class OAuthFixture implements AutoCloseable, BeforeEachCallback, AfterAllCallback {
    public final VaultFixture vault;
    /**
     * The providers' clock starts at the real time: integ checks an id_token's expiry against its own
     * clock, so tokens stamped at the fakes' fixed default instant would have expired long ago.
     */
    public final MutableClock providerClock = new MutableClock(java.time.Instant.now());
    public final FakeSlack slack = new FakeSlack("1234.5678", "slack-secret", providerClock);
    public final FakeGoogle google = new FakeGoogle("123-abc.apps.googleusercontent.com", "GOCSPX-secret", providerClock);
    public final FakeAtlassian jira = new FakeAtlassian("atl-client-id", "atl-client-secret", providerClock);
    public final FakeOidc acme = new FakeOidc("integ-cli", "acme-secret", providerClock);
    public final ScriptedBrowser browser;
    private final int slackPort = freePort();
    private final int jiraPort = freePort();

    private OAuthFixture(VaultFixture vault) throws IOException {
        this.vault = vault;
        this.browser = ScriptedBrowser.start(vault.directory().resolve("browser"));
        slack.registerRedirect("http://localhost:" + slackPort + "/cb/slack");
        jira.registerRedirect("http://127.0.0.1:" + jiraPort + "/cb/jira");
        acme.clientAuth("client_secret_post");
        vault.cli().config(config())
                .env("BROWSER", browser.command())
                .env("SLACK_CLIENT_ID", slack.clientId()).env("SLACK_CLIENT_SECRET", slack.clientSecret())
                .env("GOOGLE_CLIENT_ID", google.clientId()).env("GOOGLE_CLIENT_SECRET", google.clientSecret())
                .env("JIRA_CLIENT_ID", jira.clientId()).env("JIRA_CLIENT_SECRET", jira.clientSecret())
                .env("ACME_CLIENT_SECRET", acme.clientSecret())
                // a desktop session: the browser opener is usable, paste mode is not the default
                .env("DISPLAY", ":0");
    }

    public static OAuthFixture start() {
        VaultFixture vault = VaultFixture.start();
        try {
            return new OAuthFixture(vault);
        } catch (IOException e) {
            vault.close();
            throw new UncheckedIOException(e);
        }
    }

    private String config() {
        return """
                providers:
                  slack:
                    authorization-endpoint: %s
                    token-endpoint: %s
                    revocation-endpoint: %s
                    redirect-port: %d
                    api-base-url: %s
                  google:
                    issuer: %s
                    authorization-endpoint: %s
                    token-endpoint: %s
                    revocation-endpoint: %s
                    userinfo-endpoint: %s
                    device-authorization-endpoint: %s
                    api-base-url: %s
                  jira:
                    authorization-endpoint: %s
                    token-endpoint: %s
                    resources-endpoint: %s
                    redirect-port: %d
                    api-base-url: %s
                  acme:
                    issuer: %s
                    client-id: integ-cli
                    client-secret-env: ACME_CLIENT_SECRET
                    client-auth: client_secret_post
                    scopes: [openid, offline_access, api]
                    redirect-host: 127.0.0.1
                    redirect-path: /callback
                    api-base-url: %s
                """.formatted(slack.authorizationEndpoint(), slack.tokenEndpoint(), slack.revocationEndpoint(), slackPort, slack.apiBase(),
                google.issuer(), google.authorizationEndpoint(), google.tokenEndpoint(), google.revocationEndpoint(), google.userinfoEndpoint(),
                google.deviceAuthorizationEndpoint(), google.baseUri(),
                jira.authorizationEndpoint(), jira.tokenEndpoint(), jira.resourcesEndpoint(), jiraPort, jira.baseUri(),
                acme.issuer(), acme.baseUri());
    }

    public List<FakeProvider> providers() {
        return List.of(slack, google, jira, acme);
    }

    public Cli.Result run(String... args) {
        return vault.run(args);
    }

    public Cli.Result ok(String... args) {
        return vault.ok(args);
    }

    /** Connects {@code user} to {@code provider} through the scripted browser and asserts it worked. */
    public Cli.Result connect(String provider, String user) {
        browser.behaviour(ScriptedBrowser.Behaviour.FOLLOW);
        return ok("connect", provider, "--user", user, "--timeout", "30s");
    }

    /** Every token and secret the fakes issued or hold: none may appear where a secret must not. */
    public List<String> secrets() {
        List<String> all = new ArrayList<>();
        for (FakeProvider p : providers()) {
            all.add(p.clientSecret());
            all.addAll(p.issuedSecrets());
        }
        return all.stream().filter(s -> s != null && s.length() >= 8).distinct().toList();
    }

    public void reset() {
        vault.reset();
    }

    /** Adds settings under {@code providers.PROVIDER} for this test ({@code "publishing-status: testing"}); the next test starts plain. */
    public void configureProvider(String provider, String... settings) {
        String header = "  " + provider + ":\n";
        String text = config();
        if (!text.contains(header)) {
            throw new IllegalArgumentException("no provider " + provider + " in the fixture's config");
        }
        StringBuilder lines = new StringBuilder(header);
        for (String setting : settings) {
            lines.append("    ").append(setting).append('\n');
        }
        vault.cli().config(text.replace(header, lines.toString()));
    }

    /** Adds top-level YAML to this test's config file (the next test starts from the plain one again). */
    public void configure(String extraYaml) {
        vault.cli().config(config() + extraYaml);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        vault.cli().config(config());
        reset();
        browser.behaviour(ScriptedBrowser.Behaviour.FOLLOW);
        providers().forEach(p -> p.accessTokenLifetime(java.time.Duration.ofHours(1)).grantOnly(null).idTokenClaims(claims -> { })
                .deviceAnswers("approve").deviceTiming(5, 600));
        slack.rotation(false);
        slack.api().clear();
        google.api().clear();
        jira.api().clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private static int freePort() {
        try {
            return LoopbackPort.free();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        Stream.of(slack, google, jira, acme).forEach(FakeProvider::close);
        try {
            browser.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        vault.close();
    }
}
