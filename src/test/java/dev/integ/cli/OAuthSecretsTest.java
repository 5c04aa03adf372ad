package dev.integ.cli;

import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.VaultFixture;
import dev.integ.oauth.PollClock;
import dev.integ.testing.fakes.ScriptedBrowser;
import dev.integ.testing.fakes.VirtualPollClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole OAuth lifecycle, happy and unhappy, with -v: no token, code, verifier or client secret the
 * fakes issued or hold appears on stdout (except `token`'s own), stderr (logs and stack traces
 * included), in the security event log, or anywhere in Redis in clear.
 */
class OAuthSecretsTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();
    private final StringBuilder visible = new StringBuilder();

    private Cli.Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("-v");
        Cli.Result r = f.run(all.toArray(String[]::new));
        visible.append(r.out()).append(r.err());
        return r;
    }

    @Test
    void noSecretLeavesTheVault() {
        f.browser.behaviour(ScriptedBrowser.Behaviour.WRONG_STATE_FIRST);
        for (String provider : List.of("slack", "google", "jira", "acme")) {
            f.jira.accessTokenLifetime(Duration.ofMinutes(1));
            assertThat(run("connect", provider, "--user", "alice", "--timeout", "30s").exitCode()).isZero();
        }
        f.slack.rotation(true);
        run("connect", "slack", "--user", "bob", "--timeout", "30s");
        f.browser.behaviour(ScriptedBrowser.Behaviour.FOLLOW);
        f.google.denyNext();
        run("connect", "google", "--user", "carol", "--timeout", "30s");
        f.acme.idTokenClaims(claims -> claims.put("nonce", "another-sign-in"));
        assertThat(run("connect", "acme", "--user", "carol", "--timeout", "30s").exitCode()).isEqualTo(5);
        f.acme.idTokenClaims(claims -> { });
        // the device grant: device codes are secrets until redeemed (user codes are shown on purpose)
        f.vault.cli().pollClock(new VirtualPollClock());
        try {
            f.acme.deviceAnswers("authorization_pending", "slow_down", "approve");
            assertThat(run("connect", "acme", "--user", "dave", "--device", "--timeout", "30s").exitCode()).isZero();
            assertThat(run("connect", "google", "--user", "dave", "--device", "--timeout", "30s").exitCode()).isZero();
            f.acme.deviceAnswers("authorization_pending", "access_denied");
            assertThat(run("connect", "acme", "--user", "erin", "--device", "--timeout", "30s").exitCode()).isEqualTo(5);
            f.acme.deviceAnswers("expired_token");
            assertThat(run("connect", "acme", "--user", "erin", "--device", "--timeout", "30s").exitCode()).isEqualTo(5);
        } finally {
            f.vault.cli().pollClock(PollClock.REAL);
        }

        for (String provider : List.of("slack", "google", "jira", "acme")) {
            Cli.Result token = f.run("token", provider, "--user", "alice");
            assertThat(token.exitCode()).isZero();
            visible.append(token.err()); // stdout is the token: that is the point of the command
            run("refresh", provider, "--user", "alice");
            run("show", provider, "--user", "alice", "-o", "json");
        }
        run("refresh", "slack", "--user", "bob");
        run("refresh", "--all", "--expiring-within", "2h", "-o", "json");
        run("list", "-o", "json");
        run("providers", "-o", "json");
        run("providers", "show", "slack");

        f.vault.cli().env("GOOGLE_CLIENT_SECRET", "not-the-right-" + f.google.clientSecret());
        run("refresh", "google", "--user", "alice");
        f.vault.cli().env("GOOGLE_CLIENT_SECRET", f.google.clientSecret());
        f.google.revokeGrant();
        assertThat(run("refresh", "google", "--user", "alice").exitCode()).isEqualTo(5);
        f.acme.stopListening();
        assertThat(run("revoke", "acme", "--user", "alice", "--yes").exitCode()).isEqualTo(4);
        f.acme.resumeListening();
        run("revoke", "acme", "--user", "alice", "--yes");
        run("revoke", "--all-for-user", "alice", "--yes");
        run("events", "-o", "json", "--limit", "1000");

        List<String> secrets = new ArrayList<>(f.secrets());
        secrets.add("not-the-right-" + f.google.clientSecret());
        assertThat(secrets).hasSizeGreaterThan(20);
        String everythingVisible = visible.toString();
        String redisInClear = redisContents();
        assertThat(everythingVisible).contains("integ: error:"); // the unhappy paths did run, with -v
        assertThat(secrets).anyMatch(s -> s.split("\\.", -1).length == 3); // id_tokens are among them
        assertThat(secrets.stream().filter(s -> s.startsWith("dc-"))).hasSize(4); // and the device codes
        for (String secret : secrets) {
            assertThat(everythingVisible).as("output").doesNotContain(secret);
            assertThat(redisInClear).as("Redis").doesNotContain(secret);
        }
    }

    /** Every key and value in Redis, the event stream included, as text. */
    private static String redisContents() {
        StringBuilder all = new StringBuilder();
        try (Jedis jedis = f.vault.jedis()) {
            for (String key : VaultFixture.allKeys(jedis)) {
                all.append(key).append('\n');
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                switch (jedis.type(k)) {
                    case "hash" -> jedis.hgetAll(k).forEach((name, value) -> all.append(new String(name, StandardCharsets.ISO_8859_1))
                            .append('=').append(new String(value, StandardCharsets.ISO_8859_1)).append('\n'));
                    // a key may expire between SCAN and the read (rate-limit keys live for milliseconds): gone, it holds nothing
                    case "none" -> { }
                    case "string" -> all.append(text(jedis.get(k))).append('\n');
                    case "stream" -> jedis.xrange(key, (redis.clients.jedis.StreamEntryID) null, null)
                            .forEach(e -> all.append(e.getFields()).append('\n'));
                    default -> all.append(text(jedis.dump(k))).append('\n');
                }
            }
        }
        return all.toString();
    }

    private static String text(byte[] value) {
        return value == null ? "" : new String(value, StandardCharsets.ISO_8859_1);
    }
}
