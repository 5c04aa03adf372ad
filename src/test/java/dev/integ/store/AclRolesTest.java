package dev.integ.store;

import dev.integ.store.AclRoles.Role;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each role of {@code integ store acl}, as a real Redis user made from the printed lines: it runs that
 * role's integ commands, and a command outside the role exits 5 naming what Redis refused and the role
 * that allows it.
 */
class AclRolesTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();
    private static final String PASSWORD = "acl-test-password-5f2c";

    @BeforeEach
    void freshStore() {
        f.reset();
        f.vault.cli().env("INTEG_REDIS_PASSWORD", PASSWORD);
        for (Role role : Role.values()) {
            createUser(role);
        }
    }

    @Test
    void theLinesHaveAReasonEachAndNoPassword() {
        Cli.Result r = f.ok("store", "acl", "--role", "operator", "--user", "ops", "--namespace", "prod");
        List<String> lines = r.out().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("ACL SETUSER")) {
                assertThat(lines.get(i - 1)).as("the line before %s says why", lines.get(i)).startsWith("# ");
                assertThat(lines.get(i)).startsWith("ACL SETUSER ops ").doesNotContain(">").doesNotContain(" #").doesNotContain("nopass");
            }
        }
        assertThat(r.out()).contains("~prod:cred:*").contains("~prod:events:key").doesNotContain("~integ:");
        assertThat(f.run("store", "acl", "--role", "root").exitCode()).isEqualTo(2);
    }

    @Test
    void responderReadsEventsAndWritesNothing() {
        f.connect("google", "alice");  // events, and the user-name HMAC key, written by another role
        ok(Role.RESPONDER, "events");
        ok(Role.RESPONDER, "events", "stats");
        ok(Role.RESPONDER, "events", "check", "--since", "15m");
        ok(Role.RESPONDER, "events", "tail", "--from-id", "0-0", "--max-events", "1");
        ok(Role.RESPONDER, "events", "hash-user", "alice");
        ok(Role.RESPONDER, "events", "--user", "alice");
        ok(Role.RESPONDER, "events", "verify");

        deniedCommand(Role.RESPONDER, "scan", Role.OPERATOR, "list");
    }

    @Test
    void operatorConnectsReadsRefreshesAndDeletes() {
        f.browser.behaviour(dev.integ.testing.fakes.ScriptedBrowser.Behaviour.FOLLOW);
        ok(Role.OPERATOR, "connect", "google", "--user", "alice", "--timeout", "30s");
        f.browser.behaviour(dev.integ.testing.fakes.ScriptedBrowser.Behaviour.FOLLOW);
        ok(Role.OPERATOR, "connect", "slack", "--user", "bob", "--timeout", "30s");
        ok(Role.OPERATOR, "token", "google", "--user", "alice");
        ok(Role.OPERATOR, "refresh", "google", "--user", "alice");
        ok(Role.OPERATOR, "list");
        ok(Role.OPERATOR, "show", "google", "--user", "alice");
        ok(Role.OPERATOR, "revoke", "slack", "--user", "bob", "--yes");
        ok(Role.OPERATOR, "forget", "google", "--user", "alice", "--yes");

        // an operator's commands read the chain's head and newest entry to append, so only following the log is beyond it
        deniedCommand(Role.OPERATOR, "xread", Role.RESPONDER, "events", "tail", "--from-id", "0-0", "--max-events", "1");
    }

    @Test
    void cronRefreshesEverythingAndRotatesKeys() {
        f.connect("google", "alice");
        f.connect("slack", "bob");
        ok(Role.CRON, "refresh", "--all");
        ok(Role.CRON, "keys", "rotate");
        ok(Role.CRON, "keys", "rewrap");
        String old = notPrimary();
        ok(Role.CRON, "keys", "retire", old);
        ok(Role.CRON, "events", "check", "--since", "15m");
        ok(Role.CRON, "events", "verify");

        deniedCommand(Role.CRON, "info", Role.ADMIN, "store", "status");
    }

    @Test
    void adminRunsEverything() {
        f.vault.jedis().flushAll();
        ok(Role.ADMIN, "keys", "init");
        f.browser.behaviour(dev.integ.testing.fakes.ScriptedBrowser.Behaviour.FOLLOW);
        ok(Role.ADMIN, "connect", "google", "--user", "alice", "--timeout", "30s");
        ok(Role.ADMIN, "token", "google", "--user", "alice");
        ok(Role.ADMIN, "refresh", "google", "--user", "alice");
        ok(Role.ADMIN, "refresh", "--all");
        assertThat(run(Role.ADMIN, "{\"provider\":\"slack\",\"user\":\"carol\",\"access_token\":\"xoxb-C\"}\n",
                "import", "--file", "-").exitCode()).isZero();
        ok(Role.ADMIN, "list");
        ok(Role.ADMIN, "show", "slack", "--user", "carol");
        ok(Role.ADMIN, "keys", "status");
        ok(Role.ADMIN, "keys", "rotate");
        ok(Role.ADMIN, "keys", "rewrap");
        String old = notPrimary();
        ok(Role.ADMIN, "keys", "retire", old);
        ok(Role.ADMIN, "ratelimit", "status", "slack");
        ok(Role.ADMIN, "ratelimit", "test", "slack", "--user", "carol", "-n", "3", "--dry-run");
        ok(Role.ADMIN, "ratelimit", "reset", "slack", "--yes");
        ok(Role.ADMIN, "events");
        ok(Role.ADMIN, "events", "stats");
        ok(Role.ADMIN, "events", "check", "--since", "15m");
        ok(Role.ADMIN, "events", "hash-user", "carol");
        ok(Role.ADMIN, "events", "tail", "--from-id", "0-0", "--max-events", "1");
        ok(Role.ADMIN, "store", "status");
        Cli.Result doctor = run(Role.ADMIN, "", "doctor");
        assertThat(doctor.out() + doctor.err()).doesNotContain("NOPERM").doesNotContain("ACL");
        ok(Role.ADMIN, "revoke", "google", "--user", "alice", "--yes");
        ok(Role.ADMIN, "forget", "slack", "--user", "carol", "--yes");
        ok(Role.ADMIN, "keys", "rotate-master");
    }

    // ---- helpers ----

    /** Creates the role's Redis user from integ's own output, then adds a password as an operator would. */
    private static void createUser(Role role) {
        Cli.Result r = f.ok("store", "acl", "--role", role.label());
        try (Jedis jedis = f.vault.jedis()) {
            for (String line : r.out().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList()) {
                String[] words = line.trim().split("\\s+");
                assertThat(words[0]).isEqualTo("ACL");
                jedis.sendCommand(Protocol.Command.ACL, Arrays.copyOfRange(words, 1, words.length));
            }
            jedis.sendCommand(Protocol.Command.ACL, "SETUSER", user(role), ">" + PASSWORD);
        }
    }

    private static String user(Role role) {
        return "integ-" + role.label();
    }

    private static Cli.Result run(Role role, String stdin, String... args) {
        String url = "redis://" + user(role) + "@127.0.0.1:" + URI.create(f.vault.url()).getPort();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--redis");
        all.add(url);
        return f.vault.cli().runWithInput(stdin, all.toArray(String[]::new));
    }

    private static Cli.Result ok(Role role, String... args) {
        Cli.Result r = run(role, "", args);
        assertThat(r.exitCode()).as("as %s: integ %s%nout:%n%s%nerr:%n%s%nACL LOG: %s", role, String.join(" ", args), r.out(), r.err(),
                aclLog()).isZero();
        return r;
    }

    /** A command outside the role: exit 5, the refused Redis command named, and the least role that has it. */
    private static void deniedCommand(Role role, String refused, Role needed, String... args) {
        Cli.Result r = run(role, "", args);
        assertThat(r.exitCode()).as("as %s: integ %s%nerr:%n%s", role, String.join(" ", args), r.err()).isEqualTo(5);
        assertThat(r.err()).contains("Redis' ACL denies integ's user the command '" + refused + "'")
                .contains("this needs the '" + needed.label() + "' role")
                .contains("integ store acl --role " + needed.label());
    }

    private static String notPrimary() {
        String primary = f.vault.primaryKey();
        return f.vault.recordsPerKey().keySet().stream().filter(id -> !id.equals(primary)).findFirst().orElseThrow();
    }

    private static String aclLog() {
        try (Jedis jedis = f.vault.jedis()) {
            return jedis.aclLog(5).stream().map(e -> e.getReason() + " " + e.getObject() + " " + e.getContext()).toList().toString();
        }
    }
}
