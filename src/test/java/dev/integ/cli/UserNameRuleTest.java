package dev.integ.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.core.UserName;
import dev.integ.testing.Cli;
import dev.integ.testing.OAuthFixture;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** One user-name rule, checked before anything starts, in the same words from every command. */
class UserNameRuleTest {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    static Stream<Arguments> badNames() {
        return Stream.of(
                Arguments.of("empty", "", "it is empty"),
                Arguments.of("257 characters", "a".repeat(257), "it is 257 characters long"),
                Arguments.of("a bell", "al\u0007ice", "it contains a control character (U+0007)"),
                Arguments.of("a newline", "alice\nbob", "it contains a control character (U+000A)"),
                Arguments.of("a bidi override", "alice\u202Egnp.exe", "it contains a bidi or zero-width formatting character (U+202E)"),
                Arguments.of("a zero-width space", "ali\u200Bce", "it contains a bidi or zero-width formatting character (U+200B)"),
                Arguments.of("a trailing space", "alice ", "it starts or ends with white space"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badNames")
    void everyCommandRefusesItTheSameWayAndNothingIsWrittenOrRecorded(String what, String name, String why) {
        f.connect("slack", "alice"); // something to find, so a command that ignored the rule would have work to do
        String message = "invalid user name: " + why + "; " + UserName.RULE;
        Map<String, String> before = credentialsAndKeys();
        long eventsBefore = events();
        int authorizeBefore = f.slack.authorizeRequests().size();

        List<String[]> commands = List.of(
                new String[]{"connect", "slack", "--user", name, "--timeout", "5s"},
                new String[]{"token", "slack", "--user", name},
                new String[]{"show", "slack", "--user", name},
                new String[]{"forget", "slack", "--user", name, "--yes"},
                new String[]{"revoke", "slack", "--user", name, "--yes"},
                new String[]{"revoke", "--all-for-user", name, "--yes"},
                new String[]{"refresh", "slack", "--user", name},
                new String[]{"list", "--user", name},
                new String[]{"events", "--user", name},
                new String[]{"events", "hash-user", name},
                new String[]{"ratelimit", "status", "slack", "--user", name},
                new String[]{"api", "slack", "auth.test", "--user", name},
                new String[]{"verify", "slack", "--user", name},
                new String[]{"slack", "post", "--user", name, "--channel", "C0GENERAL", "--text", "hi"},
                new String[]{"drive", "ls", "--user", name},
                new String[]{"jira", "create", "--user", name, "--project", "OPS", "--summary", "x"});
        List<String> refusals = new ArrayList<>();
        for (String[] command : commands) {
            Cli.Result r = f.run(command);
            assertThat(r.exitCode()).as("integ %s: %s", command[0], r.err()).isEqualTo(2);
            assertThat(r.err()).as("integ " + command[0]).contains(message);
            assertThat(r.out()).isEmpty();
            refusals.add(r.err());
        }
        assertThat(events()).as("nothing recorded, not even a connect.start: %s", f.run("events", "-o", "json").out()).isEqualTo(eventsBefore);

        // import refuses the file as a whole (and records that as import.failure, as for any invalid line)
        String line = new ObjectMapper().createObjectNode().put("provider", "slack").put("user", name)
                .put("access_token", "xoxp-never-stored").toString();
        Cli.Result imported = f.vault.runWithInput("{\"provider\": \"slack\", \"user\": \"bob\", \"access_token\": \"xoxp-fine\"}\n" + line + "\n",
                "import", "--file", "-");
        assertThat(imported.exitCode()).isEqualTo(2);
        assertThat(imported.err()).contains("line 2: " + message).contains("nothing imported");

        assertThat(credentialsAndKeys()).as("nothing written").isEqualTo(before);
        assertThat(f.slack.authorizeRequests()).as("no sign-in began").hasSize(authorizeBefore);
        assertThat(String.join("\n", refusals)).doesNotContain(name.isEmpty() ? "\u0000" : name);
    }

    @Test
    void namesAreNormalisedToNfcSoBothSpellingsOfOneNameAreOneUser() {
        String decomposed = "Jose\u0301";
        String composed = "Jos\u00e9";
        f.vault.okWithInput("{\"provider\": \"slack\", \"user\": \"" + decomposed + "\", \"access_token\": \"xoxp-nfc\"}\n", "import", "--file", "-");
        assertThat(f.ok("token", "slack", "--user", composed).out()).isEqualTo("xoxp-nfc\n");
        assertThat(f.ok("token", "slack", "--user", decomposed).out()).isEqualTo("xoxp-nfc\n");
        assertThat(f.vault.credentialKeys()).hasSize(1);
        assertThat(f.ok("list", "-o", "json").out()).contains(composed).doesNotContain(decomposed);
    }

    @Test
    void theLongestNameAndOrdinaryUnicodeNamesAreAccepted() {
        String longest = "b".repeat(UserName.MAX_LENGTH);
        f.vault.okWithInput("{\"provider\": \"slack\", \"user\": \"" + longest + "\", \"access_token\": \"xoxp-long\"}\n", "import", "--file", "-");
        assertThat(f.ok("token", "slack", "--user", longest).out()).isEqualTo("xoxp-long\n");
        f.connect("slack", "Zoë O'Brien 山田");
        assertThat(f.ok("show", "slack", "--user", "Zoë O'Brien 山田").out()).contains("Zoë O'Brien 山田");
    }

    /** The store without the rate-limit levels, which drain on their own (their TTLs end). */
    private static Map<String, String> credentialsAndKeys() {
        Map<String, String> all = new java.util.TreeMap<>(f.vault.snapshot());
        all.keySet().removeIf(k -> k.contains(":rl:"));
        return all;
    }

    private static long events() {
        try (Jedis jedis = f.vault.jedis()) {
            return jedis.xlen(VaultFixture.NS + ":events:{" + VaultFixture.NS + "}:log");
        }
    }
}
