package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.oauth.PollClock;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.fakes.VirtualPollClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * `integ connect --device` (RFC 8628) against the fake OIDC server's and fake Google's device endpoints,
 * polling on a virtual clock: every interval is asked for and none is waited through.
 */
class DeviceGrantTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();
    private VirtualPollClock clock;

    @BeforeEach
    void virtualTime() {
        clock = new VirtualPollClock();
        f.vault.cli().pollClock(clock);
    }

    @AfterEach
    void realTime() {
        f.vault.cli().pollClock(PollClock.REAL);
    }

    private static List<Duration> seconds(long... each) {
        return Arrays.stream(each).mapToObj(Duration::ofSeconds).toList();
    }

    @Test
    void pendingThreeTimesThenSlowDownThenApprovedStoresTheCredentialAsABrowserSignInWould() {
        f.acme.deviceAnswers("authorization_pending", "authorization_pending", "authorization_pending", "slow_down", "approve");

        Cli.Result r = f.run("connect", "acme", "--user", "dora", "--device", "--timeout", "5m");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("connected acme/dora (scopes: openid offline_access api)\n");
        String page = f.acme.baseUri().resolve("/device").toString();
        assertThat(r.err()).contains("open this address in a browser on any device:\n\n    " + page + "\n")
                .containsPattern("and enter the code  [A-Z]{4}-[A-Z]{4}\n")
                .containsPattern("\\(or open " + Pattern.quote(page) + "\\?user_code=[A-Z]{4}-[A-Z]{4}, which carries the code\\)")
                .contains("Waiting up to 5m for the approval");
        // every poll after the interval; slow_down adds 5 s for the rest (RFC 8628 §3.5)
        assertThat(clock.sleeps()).isEqualTo(seconds(5, 5, 5, 5, 10));
        assertThat(f.acme.devicePollAnswers())
                .containsExactly("authorization_pending", "authorization_pending", "authorization_pending", "slow_down", "approve");
        assertThat(f.acme.tokenRequests()).last().satisfies(poll -> assertThat(poll)
                .containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:device_code").containsEntry("auth", "post"));
        JsonNode shown = json(f.ok("show", "acme", "--user", "dora", "-o", "json"));
        assertThat(shown.path("refresh_token").asBoolean()).isTrue();
        assertThat(shown.path("account").path("subject").asText()).isNotEmpty();
        assertThat(shown.path("account").path("email").asText()).contains("@");
        String events = f.ok("events", "--provider", "acme", "--user", "dora", "-o", "json").out();
        assertThat(events).contains("\"connect.start\"").contains("\"mode\":\"device\"").contains("\"connect.success\"");
        assertThat(f.ok("token", "acme", "--user", "dora").out().strip()).isEqualTo(f.acme.latestAccessToken());
    }

    @Test
    void googleNamesItsPageVerificationUrlAndSendsNoCompleteUri() {
        Cli.Result r = f.run("connect", "google", "--user", "erin", "--device");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("    " + f.google.deviceAuthorizationEndpoint().resolve("/device") + "\n").doesNotContain("(or open");
        assertThat(clock.sleeps()).isEqualTo(seconds(5));
        assertThat(json(f.ok("show", "google", "--user", "erin", "-o", "json")).path("refresh_token").asBoolean()).isTrue();
    }

    @Test
    void aDenialIsExit5AndStoresNothing() {
        f.acme.deviceAnswers("authorization_pending", "access_denied");

        Cli.Result r = f.run("connect", "acme", "--user", "dora", "--device");

        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("integ: error: the sign-in to acme was not approved: access_denied")
                .contains("integ: hint: run the command again and approve");
        assertThat(f.run("show", "acme", "--user", "dora").exitCode()).isEqualTo(3);
        assertThat(f.ok("events", "--provider", "acme", "--action", "connect.failure", "-o", "json").out()).contains("\"exit\":\"5\"");
    }

    @Test
    void anExpiredCodeIsExit5() {
        f.acme.deviceAnswers("authorization_pending", "expired_token");

        Cli.Result r = f.run("connect", "acme", "--user", "dora", "--device");

        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("integ: error: the code for acme expired before the sign-in was approved");
        assertThat(f.run("show", "acme", "--user", "dora").exitCode()).isEqualTo(3);
    }

    @Test
    void theCodesOwnLifetimeEndsTheWaitWhenItIsShorterThanTheTimeout() {
        f.acme.deviceAnswers("authorization_pending").deviceTiming(5, 12);

        Cli.Result r = f.run("connect", "acme", "--user", "dora", "--device", "--timeout", "5m");

        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("Waiting up to 12s for the approval").contains("expired before the sign-in was approved");
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(12));
        assertThat(f.acme.devicePollAnswers()).hasSize(2);
    }

    @Test
    void theTimeoutBoundsTheWait() {
        f.acme.deviceAnswers("authorization_pending");

        Cli.Result r = f.run("connect", "acme", "--user", "dora", "--device", "--timeout", "12s");

        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("integ: error: the sign-in to acme was not approved within 12s")
                .contains("integ: hint: run the command again (a longer --timeout gives more time)");
        // polls at 5 s and 10 s; the last 2 s end in the deadline, not in a poll
        assertThat(clock.sleeps()).isEqualTo(seconds(5, 5, 2));
        assertThat(f.acme.devicePollAnswers()).hasSize(2);
        assertThat(f.run("show", "acme", "--user", "dora").exitCode()).isEqualTo(3);
    }

    @Test
    void anIdTokenForAnotherClientIsRefusedAsInTheBrowserFlow() {
        f.acme.idTokenClaims(c -> c.put("aud", "other-client"));

        Cli.Result r = f.run("connect", "acme", "--user", "dora", "--device");

        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("the id_token from acme does not belong to this sign-in: it was issued to other-client");
        assertThat(f.run("show", "acme", "--user", "dora").exitCode()).isEqualTo(3);
    }

    @Test
    void aProviderWithoutADeviceEndpointPointsToManual() {
        Cli.Result r = f.run("connect", "slack", "--user", "dora", "--device");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("integ: error: cannot sign in to Slack with a device code: slack has no device authorization endpoint")
                .contains("integ: hint: use --manual");
        assertThat(f.slack.authorizeRequests()).isEmpty();
    }

    @Test
    void providersShowNamesTheDeviceEndpoint() {
        assertThat(json(f.ok("providers", "show", "google", "-o", "json")).path("device_authorization_endpoint").asText())
                .isEqualTo(f.google.deviceAuthorizationEndpoint().toString());
        assertThat(json(f.ok("providers", "show", "slack", "-o", "json")).path("device_authorization_endpoint").isNull()).isTrue();
    }

    @Test
    void deviceAndManualExcludeEachOther() {
        Cli.Result r = f.run("connect", "acme", "--user", "dora", "--device", "--manual");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("integ: error: --manual and --device exclude each other");
    }

    @Test
    void overSshConnectUsesTheDeviceCodeWhereThereIsOneAndSaysWhy() {
        f.vault.cli().env("BROWSER", null).env("SSH_CONNECTION", "10.0.0.1 5555 10.0.0.2 22");
        try {
            Cli.Result device = f.run("connect", "acme", "--user", "dora");
            assertThat(device.exitCode()).as(device.err()).isZero();
            assertThat(device.err()).startsWith("integ: signing in with a device code, since this is an SSH session (SSH_CONNECTION is set)"
                    + " (--manual to paste an address instead)\n");

            Cli.Result paste = f.vault.runWithInput("", "connect", "slack", "--user", "dora");
            assertThat(paste.exitCode()).isEqualTo(2);
            assertThat(paste.err()).startsWith("integ: signing in by pasting an address, since this is an SSH session (SSH_CONNECTION is set)"
                    + " and slack has no device authorization endpoint (RFC 8628)\n").contains("paste it here");
        } finally {
            f.vault.cli().env("BROWSER", f.browser.command()).env("SSH_CONNECTION", null);
        }
        assertThat(Collections.frequency(f.ok("events", "--provider", "acme", "-o", "json").out().lines()
                .map(line -> line.contains("\"mode\":\"device\"")).toList(), true)).isEqualTo(1);
    }
}
