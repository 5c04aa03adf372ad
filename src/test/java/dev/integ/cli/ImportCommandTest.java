package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.core.UserName;
import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import dev.integ.vault.Credential;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.integ.testing.VaultFixture.NS;
import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** `integ import`: JSON lines in, every line checked before anything is written, never a token in a message. */
class ImportCommandTest {
    private static final String KNOWN = "(known: access_token, expires_at, expires_in, metadata, provider, refresh_expires_at, "
            + "refresh_expires_in, refresh_token, scopes, secrets, user)";
    private static final String FAKE_TOKEN = "xoxb-FAKE-9f3c2a7d-do-not-print";

    /** Lines 1 and 3 are fine; 2, 4, 5 and 6 are not. Line 5 is broken JSON whose bare word is a token. */
    private static final String BAD_FILE = String.join("\n",
            "{\"provider\":\"slack\",\"user\":\"ok1\",\"access_token\":\"xoxb-ok1\"}",
            "{\"provider\":\"slack\",\"user\":\"no-access\",\"refresh_token\":\"xoxe-2\"}",
            "{\"provider\":\"google\",\"user\":\"ok3\",\"access_token\":\"ya29-ok3\"}",
            "{\"provider\":\"slack\",\"user\":\"extra\",\"access_token\":\"xoxb-4\",\"token_type\":\"bearer\"}",
            "{\"provider\":\"slack\",\"user\":\"broken\",\"access_token\":" + FAKE_TOKEN + "}",
            "{\"provider\":\"slack\",\"user\":\"ok1\",\"access_token\":\"xoxb-dup\"}", "");

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void freshStore() {
        vault.reset();
    }

    private static Map<String, JsonNode> listed() {
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode c : json(vault.ok("list", "-o", "json"))) {
            byName.put(c.get("provider").asText() + "/" + c.get("user").asText(), c);
        }
        return byName;
    }

    private static String accessToken(String provider, String user) {
        return vault.vault(NS).read(provider, user).orElseThrow().secrets().revealAccessToken();
    }

    @Test
    void goodFileIsImportedWithEveryFieldItGave() {
        Instant now = Instant.now();
        long jiraExpiry = now.plus(2, ChronoUnit.HOURS).getEpochSecond();
        String file = String.join("\n",
                "{\"provider\":\"slack\",\"user\":\"alice@example.com\",\"access_token\":\"xoxb-A\",\"refresh_token\":\"xoxe-A\","
                        + "\"expires_in\":43200,\"refresh_expires_in\":2592000,\"scopes\":\"chat:write channels:read\","
                        + "\"metadata\":{\"team_id\":\"T0001\",\"team\":\"Acme\"}}",
                "",
                "{\"provider\":\"google\",\"user\":\"bob@example.com\",\"access_token\":\"ya29.B\",\"refresh_token\":\"1//B\","
                        + "\"expires_at\":\"2020-01-01T00:00:00Z\",\"scopes\":[\"openid\",\"email\"],\"secrets\":{\"id_token\":\"eyJ-B\"}}",
                "{\"provider\":\"jira\",\"user\":\"carol\",\"access_token\":\"jira-C\",\"expires_at\":" + jiraExpiry + ","
                        + "\"scopes\":\"read:jira-work,write:jira-work\",\"metadata\":{\"cloud_id\":\"c-1\"}}", "");

        Cli.Result r = vault.okWithInput(file, "import", "--file", "-");

        assertThat(r.out()).isEqualTo("imported 3 credentials (0 replacing stored ones), 0 unchanged\n");
        assertThat(r.err()).isEmpty();
        Map<String, JsonNode> listed = listed();
        assertThat(listed).containsOnlyKeys("slack/alice@example.com", "google/bob@example.com", "jira/carol");

        JsonNode slack = listed.get("slack/alice@example.com");
        assertThat(slack.get("status").asText()).isEqualTo("active");
        assertThat(slack.get("scopes").toString()).isEqualTo("[\"chat:write\",\"channels:read\"]");
        assertThat(slack.get("refresh_token").asBoolean()).isTrue();
        assertThat(Instant.parse(slack.get("expires_at").asText())).isCloseTo(now.plusSeconds(43200), within(1, ChronoUnit.MINUTES));
        assertThat(Instant.parse(slack.get("refresh_expires_at").asText())).isCloseTo(now.plusSeconds(2592000), within(1, ChronoUnit.MINUTES));
        assertThat(slack.get("account").toString()).isEqualTo("{\"team_id\":\"T0001\",\"team\":\"Acme\"}");

        JsonNode google = listed.get("google/bob@example.com");
        assertThat(google.get("status").asText()).as("access expired, but the refresh token still works").isEqualTo("active");
        assertThat(google.get("expires_at").asText()).isEqualTo("2020-01-01T00:00:00Z");
        assertThat(google.get("scopes").toString()).isEqualTo("[\"openid\",\"email\"]");
        assertThat(google.get("refresh_expires_at").isNull()).isTrue();

        JsonNode jira = listed.get("jira/carol");
        assertThat(jira.get("status").asText()).isEqualTo("active");
        assertThat(jira.get("expires_at").asText()).isEqualTo(Instant.ofEpochSecond(jiraExpiry).toString());
        assertThat(jira.get("refresh_token").asBoolean()).isFalse();
        assertThat(jira.get("scopes").toString()).isEqualTo("[\"read:jira-work\",\"write:jira-work\"]");
        assertThat(jira.get("account").toString()).isEqualTo("{\"cloud_id\":\"c-1\"}");

        // the table, and the filters
        assertThat(vault.ok("list").out()).containsPattern("(?m)^slack\\s+alice@example.com\\s+active\\s+\\S+\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+chat:write channels:read$")
                .containsPattern("(?m)^google\\s+bob@example.com\\s+active\\s+2020-01-01T00:00:00Z\\s+yes\\s+openid email$");
        assertThat(json(vault.ok("list", "-o", "json", "--expiring-within", "3h")).findValuesAsText("user"))
                .containsExactlyInAnyOrder("bob@example.com", "carol");
        assertThat(json(vault.ok("list", "-o", "json", "--provider", "jira")).findValuesAsText("user")).containsExactly("carol");

        // the secrets are the file's
        var google2 = vault.vault(NS).read("google", "bob@example.com").orElseThrow().secrets();
        assertThat(google2.revealAccessToken()).isEqualTo("ya29.B");
        assertThat(google2.revealRefreshToken()).isEqualTo("1//B");
        assertThat(google2.revealOther()).isEqualTo(Map.of("id_token", "eyJ-B"));
        assertThat(accessToken("jira", "carol")).isEqualTo("jira-C");
    }

    @Test
    void badFileIsRejectedWholeAndEveryProblemNamedByLine() {
        for (String verbose : List.of("-q", "-v")) {
            Cli.Result r = vault.runWithInput(BAD_FILE, "import", "--file", "-", verbose);

            assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).matches("integ: error: line 2: missing access_token\n"
                    + "integ: error: line 4: unknown field 'token_type' \\Q" + KNOWN + "\\E\n"
                    + "integ: error: line 5: not a JSON object \\(column \\d+\\)\n"
                    + "integ: error: line 6: a second line for slack/ok1\n"
                    + "integ: error: nothing imported: 4 invalid lines\n"
                    + "integ: hint: fix them, or add --skip-invalid to import the valid lines and report the rest\n");
            assertThat(r.err()).doesNotContain(FAKE_TOKEN).doesNotContain("FAKE");
            assertThat(vault.credentialKeys()).as("nothing written").isEmpty();
        }
    }

    @Test
    void everyKindOfInvalidLineIsExplainedWithoutItsValues() {
        String file = String.join("\n",
                "[\"xoxb-in-an-array\"]",
                "{\"provider\":\"Slack!\",\"user\":\"a\",\"access_token\":\"xoxb-1\"}",
                "{\"provider\":\"slack\",\"user\":\"\",\"access_token\":\"xoxb-2\"}",
                "{\"provider\":\"slack\",\"user\":\"c\",\"access_token\":42}",
                "{\"provider\":\"slack\",\"user\":\"d\",\"access_token\":\"xoxb-4\",\"expires_at\":\"tomorrow\"}",
                "{\"provider\":\"slack\",\"user\":\"e\",\"access_token\":\"xoxb-5\",\"expires_at\":1,\"expires_in\":1}",
                "{\"provider\":\"slack\",\"user\":\"f\",\"access_token\":\"xoxb-6\",\"refresh_expires_in\":60}",
                "{\"provider\":\"slack\",\"user\":\"g\",\"access_token\":\"xoxb-7\",\"scopes\":7}",
                "{\"provider\":\"slack\",\"user\":\"h\",\"access_token\":\"xoxb-8\",\"expires_in\":-5}",
                "{\"provider\":\"slack\",\"user\":\"i\",\"access_token\":\"xoxb-9\",\"access_token\":\"xoxb-9-again\"}",
                "{\"provider\":\"slack\",\"user\":\"j\",\"access_token\":\"xoxb-10\",\"metadata\":{\"team\":{\"id\":1}}}", "");

        Cli.Result r = vault.runWithInput(file, "import", "--file", "-");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().lines().toList()).containsExactly(
                "integ: error: line 1: not a JSON object",
                "integ: error: line 2: provider must be 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter",
                "integ: error: line 3: invalid user name: it is empty; " + UserName.RULE,
                "integ: error: line 4: access_token must be a non-empty string",
                "integ: error: line 5: expires_at must be ISO-8601 (2026-11-27T10:00:00Z) or epoch seconds",
                "integ: error: line 6: give expires_at or expires_in, not both",
                "integ: error: line 7: refresh_expires_at without a refresh_token",
                "integ: error: line 8: scopes must be a list of strings or one space-separated string",
                "integ: error: line 9: expires_in must be a number of seconds",
                r.err().lines().filter(l -> l.startsWith("integ: error: line 10: ")).findFirst().orElse("(line 10 missing)"),
                "integ: error: line 11: metadata.team must be a string",
                "integ: error: nothing imported: 11 invalid lines",
                "integ: hint: fix them, or add --skip-invalid to import the valid lines and report the rest");
        assertThat(r.err()).doesNotContain("xoxb");
        assertThat(vault.credentialKeys()).isEmpty();
    }

    /**
     * An expiry too far out for the record format (epoch milliseconds) is a problem of its line, found
     * while checking: not a crash after earlier batches were already written.
     */
    @Test
    void anExpiryOutOfRangeIsALineProblemNotACrash() {
        StringBuilder valid = new StringBuilder();
        for (int i = 1; i <= 600; i++) { // more than one write batch (500) before the bad line
            valid.append("{\"provider\":\"slack\",\"user\":\"u").append(i).append("\",\"access_token\":\"xoxb-").append(i).append("\"}\n");
        }
        // a valid Instant, but beyond what epoch milliseconds can hold
        String far = "{\"provider\":\"slack\",\"user\":\"far\",\"access_token\":\"xoxb-far\",\"expires_at\":10000000000000000}\n";
        String huge = "{\"provider\":\"slack\",\"user\":\"huge\",\"access_token\":\"xoxb-huge\",\"expires_in\":9223372036854775807}\n";

        Cli.Result r = vault.runWithInput(valid + far, "import", "--file", "-");
        assertThat(r.exitCode()).as("exit code; err:%n%s", r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("integ: error: line 601: ").contains("integ: error: nothing imported: 1 invalid line\n");
        assertThat(vault.credentialKeys()).as("nothing written").isEmpty();

        Cli.Result r2 = vault.runWithInput(huge, "import", "--file", "-");
        assertThat(r2.exitCode()).as("exit code; err:%n%s", r2.err()).isEqualTo(2);
        assertThat(r2.err()).startsWith("integ: error: line 1: ");

        Cli.Result skipping = vault.runWithInput(valid + far + huge, "import", "--file", "-", "--skip-invalid");
        assertThat(skipping.exitCode()).as("exit code; err:%n%s", skipping.err()).isZero();
        assertThat(skipping.out()).isEqualTo("imported 600 credentials (0 replacing stored ones), 0 unchanged; skipped 2 invalid lines\n");
        assertThat(vault.credentialKeys()).hasSize(600);
    }

    @Test
    void skipInvalidImportsTheValidLinesAndWarnsAboutTheRest() {
        Cli.Result r = vault.okWithInput(BAD_FILE, "import", "--file", "-", "--skip-invalid");

        assertThat(r.out()).isEqualTo("imported 2 credentials (0 replacing stored ones), 0 unchanged; skipped 4 invalid lines\n");
        assertThat(r.err()).matches("integ: warning: skipped line 2: missing access_token\n"
                + "integ: warning: skipped line 4: unknown field 'token_type' \\Q" + KNOWN + "\\E\n"
                + "integ: warning: skipped line 5: not a JSON object \\(column \\d+\\)\n"
                + "integ: warning: skipped line 6: a second line for slack/ok1\n");
        assertThat(r.err()).doesNotContain(FAKE_TOKEN);
        assertThat(listed()).containsOnlyKeys("slack/ok1", "google/ok3");
        assertThat(accessToken("slack", "ok1")).as("the first line for slack/ok1 wins").isEqualTo("xoxb-ok1");
    }

    @Test
    void skipInvalidAsJsonNamesTheProblemsButNoValue() {
        JsonNode r = json(vault.okWithInput(BAD_FILE, "import", "--file", "-", "--skip-invalid", "-o", "json"));
        assertThat(r.get("imported").asInt()).isEqualTo(2);
        assertThat(r.get("skipped").asInt()).isEqualTo(4);
        assertThat(r.get("rejected").asBoolean()).isFalse();
        assertThat(r.get("problems").findValuesAsText("line")).containsExactly("2", "4", "5", "6");
        assertThat(r.toString()).doesNotContain(FAKE_TOKEN);
    }

    @Test
    void alreadyStoredNeedsReplace() {
        vault.okWithInput("{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"xoxb-first\",\"expires_in\":3600}\n"
                + "{\"provider\":\"slack\",\"user\":\"bob\",\"access_token\":\"xoxb-bob\"}\n", "import", "--file", "-");
        String second = "{\"provider\":\"jira\",\"user\":\"new\",\"access_token\":\"jira-new\"}\n"
                + "{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"xoxb-second\",\"scopes\":\"admin\"}\n";
        Map<String, String> before = vault.snapshot();

        Cli.Result conflict = vault.runWithInput(second, "import", "--file", "-");
        assertThat(conflict.exitCode()).isEqualTo(2);
        assertThat(conflict.err()).isEqualTo("integ: error: line 2: slack/alice is already stored with other content (access_token, scopes, expires_at); "
                + "use --replace to overwrite it\n"
                + "integ: error: nothing imported: 1 invalid line\n"
                + "integ: hint: fix them, or add --skip-invalid to import the valid lines and report the rest\n");
        assertThat(vault.snapshot()).isEqualTo(before);

        Cli.Result replaced = vault.okWithInput(second, "import", "--file", "-", "--replace");
        assertThat(replaced.out()).isEqualTo("imported 2 credentials (1 replacing stored ones), 0 unchanged\n");
        assertThat(accessToken("slack", "alice")).isEqualTo("xoxb-second");
        assertThat(listed().get("slack/alice").get("scopes").toString()).isEqualTo("[\"admin\"]");
        assertThat(listed().get("slack/alice").get("expires_at").isNull()).isTrue();
        assertThat(accessToken("slack", "bob")).isEqualTo("xoxb-bob");
        assertThat(accessToken("jira", "new")).isEqualTo("jira-new");
    }

    /** Every way a line can give its times; the relative ones are measured from the import that stored them. */
    private static final String TIMES = String.join("\n",
            "{\"provider\":\"slack\",\"user\":\"relative\",\"access_token\":\"xoxb-r\",\"refresh_token\":\"xoxe-r\","
                    + "\"expires_in\":43200,\"refresh_expires_in\":2592000,\"scopes\":\"b a\",\"metadata\":{\"team\":\"T1\"}}",
            "{\"provider\":\"google_drive\",\"user\":\"iso\",\"access_token\":\"ya29-i\",\"refresh_token\":\"1//i\","
                    + "\"expires_at\":\"2031-05-01T10:00:00.123456789Z\",\"refresh_expires_at\":\"2032-01-01T00:00:00Z\",\"secrets\":{\"id_token\":\"eyJ\"}}",
            "{\"provider\":\"jira\",\"user\":\"epoch\",\"access_token\":\"jira-e\",\"expires_at\":1999999999}",
            "",
            "{\"provider\":\"jira\",\"user\":\"never\",\"access_token\":\"jira-n\"}", "");

    @Test
    void rerunningTheSameFileWritesNothingAndCountsEveryLineUnchanged() {
        vault.okWithInput(TIMES, "import", "--file", "-");
        Map<String, String> before = vault.snapshot();

        assertThat(vault.okWithInput(TIMES, "import", "--file", "-").out()).isEqualTo("imported 0 credentials (0 replacing stored ones), 4 unchanged\n");
        assertThat(vault.okWithInput(TIMES, "import", "--file", "-", "--dry-run").out())
                .isEqualTo("would import 0 credentials (0 replacing stored ones), 4 unchanged\n");
        assertThat(vault.snapshot()).as("not a byte rewritten (a rewrite has a new nonce and rev)").isEqualTo(before);
        assertThat(vault.okWithInput(TIMES, "import", "--file", "-", "--replace").out())
                .as("--replace writes every line again (so replicas confirm them after an unconfirmed write)")
                .isEqualTo("imported 4 credentials (4 replacing stored ones), 0 unchanged\n");
        assertThat(vault.snapshot()).isNotEqualTo(before);
        assertThat(vault.okWithInput(TIMES, "import", "--file", "-").out()).isEqualTo("imported 0 credentials (0 replacing stored ones), 4 unchanged\n");

        JsonNode asJson = json(vault.okWithInput(TIMES + "{\"provider\":\"jira\",\"user\":\"new\",\"access_token\":\"jira-x\"}\n",
                "import", "--file", "-", "-o", "json"));
        assertThat(asJson.get("imported").asInt()).isEqualTo(1);
        assertThat(asJson.get("unchanged").asInt()).isEqualTo(4);
    }

    /** Each thing a line determines, changed on its own, makes the line differ; the message names the fields, never a value. */
    @Test
    void aLineThatDiffersFromWhatIsStoredIsRefusedNamingWhatDiffers() {
        vault.okWithInput(TIMES, "import", "--file", "-");
        String relative = TIMES.lines().findFirst().orElseThrow();
        Map<String, String> changed = new LinkedHashMap<>();
        changed.put(relative.replace("xoxb-r", "xoxb-R2"), "access_token");
        changed.put(relative.replace("\"xoxe-r\"", "\"xoxe-R2\""), "refresh_token");
        changed.put(relative.replace("\"expires_in\":43200", "\"expires_in\":43201"), "expires_in");
        changed.put(relative.replace("\"refresh_expires_in\":2592000", "\"refresh_expires_at\":2000000000"), "refresh_expires_at");
        changed.put(relative.replace("\"b a\"", "\"a b\""), "scopes");
        changed.put(relative.replace("\"T1\"", "\"T2\""), "metadata");
        changed.put(relative.replace("}}", "},\"secrets\":{\"bot\":\"xoxb-bot\"}}"), "secrets");
        changed.put(TIMES.lines().skip(1).findFirst().orElseThrow().replace(".123456789Z", ".124Z"), "expires_at");
        changed.put(TIMES.lines().skip(2).findFirst().orElseThrow().replace("1999999999", "1999999998"), "expires_at");
        changed.put(TIMES.lines().skip(4).findFirst().orElseThrow().replace("}", ",\"expires_in\":60}"), "expires_in");
        Map<String, String> before = vault.snapshot();
        changed.forEach((line, field) -> {
            Cli.Result r = vault.runWithInput(line + "\n", "import", "--file", "-");
            assertThat(r.exitCode()).as(line).isEqualTo(2);
            assertThat(r.err().lines().findFirst().orElseThrow()).as(line)
                    .matches("integ: error: line 1: \\w+/\\w+ is already stored with other content \\(" + field
                            + "\\); use --replace to overwrite it");
            assertThat(r.err()).doesNotContain("xoxb").doesNotContain("xoxe").doesNotContain("T2");
        });
        assertThat(vault.snapshot()).isEqualTo(before);

        // a credential whose refresh was refused is not what the line gives, even with the same tokens
        var stored = vault.vault(NS).read("jira", "never").orElseThrow();
        Credential c = stored.credential();
        vault.vault(NS).save(new Credential(c.provider(), c.user(), Credential.NEEDS_REAUTH, c.scopes(), c.expiresAt(), c.refreshExpiresAt(),
                c.hasRefreshToken(), c.createdAt(), c.updatedAt(), c.account()), stored.secrets(), stored.rev());
        Cli.Result reauth = vault.runWithInput(TIMES, "import", "--file", "-");
        assertThat(reauth.exitCode()).isEqualTo(2);
        assertThat(reauth.err()).startsWith("integ: error: line 5: jira/never is already stored with other content (status needs_reauth); "
                + "use --replace to overwrite it\n");
        assertThat(vault.okWithInput(TIMES, "import", "--file", "-", "--replace").out())
                .isEqualTo("imported 4 credentials (4 replacing stored ones), 0 unchanged\n");
        assertThat(listed().get("jira/never").get("status").asText()).isEqualTo("active");
    }

    /** A stored record that does not decrypt cannot be compared: it is named, and only --replace overwrites it. */
    @Test
    void aDamagedStoredRecordIsNotUnchanged() {
        vault.okWithInput(TIMES, "import", "--file", "-");
        try (var jedis = vault.jedis()) {
            jedis.copy("integ:cred:jira:epoch", "integ:cred:jira:never", true);
        }
        Cli.Result r = vault.runWithInput(TIMES, "import", "--file", "-");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("integ: error: line 5: jira/never is already stored but cannot be read (it does not verify: "
                + "altered, or moved here from another provider, user or namespace); use --replace to overwrite it\n");
        assertThat(vault.okWithInput(TIMES, "import", "--file", "-", "--replace").out())
                .isEqualTo("imported 4 credentials (4 replacing stored ones), 0 unchanged\n");
        assertThat(accessToken("jira", "never")).isEqualTo("jira-n");
    }

    @Test
    void readsAFileOrStandardInput(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("tokens.jsonl"), "{\"provider\":\"slack\",\"user\":\"from-file\",\"access_token\":\"xoxb-f\"}\n");
        assertThat(vault.ok("import", "--file", file.toString()).out()).isEqualTo("imported 1 credential (0 replacing stored ones), 0 unchanged\n");
        assertThat(vault.okWithInput("{\"provider\":\"slack\",\"user\":\"from-stdin\",\"access_token\":\"xoxb-s\"}", "import", "--file", "-")
                .out()).isEqualTo("imported 1 credential (0 replacing stored ones), 0 unchanged\n");
        assertThat(listed()).containsOnlyKeys("slack/from-file", "slack/from-stdin");
        assertThat(accessToken("slack", "from-stdin")).isEqualTo("xoxb-s");

        Cli.Result missing = vault.run("import", "--file", dir.resolve("nope.jsonl").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("integ: error: cannot read " + dir.resolve("nope.jsonl") + ": no such file\n");

        Cli.Result noFile = vault.run("import");
        assertThat(noFile.exitCode()).isEqualTo(2);
    }

    @Test
    void dryRunWritesNothing() {
        vault.okWithInput("{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"xoxb-first\"}\n", "import", "--file", "-");
        Map<String, String> before = vault.snapshot();
        String file = "{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"xoxb-second\"}\n"
                + "{\"provider\":\"slack\",\"user\":\"bob\",\"access_token\":\"xoxb-bob\"}\n";

        assertThat(vault.okWithInput(file, "import", "--file", "-", "--replace", "--dry-run").out())
                .isEqualTo("would import 2 credentials (1 replacing stored ones), 0 unchanged\n");
        JsonNode asJson = json(vault.okWithInput(file, "import", "--file", "-", "--replace", "--dry-run", "-o", "json"));
        assertThat(asJson.get("dry_run").asBoolean()).isTrue();
        assertThat(asJson.get("imported").asInt()).isEqualTo(2);
        assertThat(asJson.get("replaced").asInt()).isEqualTo(1);
        Cli.Result invalid = vault.runWithInput(BAD_FILE, "import", "--file", "-", "--dry-run");
        assertThat(invalid.exitCode()).isEqualTo(2);

        assertThat(vault.snapshot()).isEqualTo(before);
        assertThat(accessToken("slack", "alice")).isEqualTo("xoxb-first");
    }

    @Test
    void importNeedsTheKeysetToBeSetUp() {
        try (var jedis = vault.jedis()) {
            jedis.flushAll();
        }
        Cli.Result r = vault.runWithInput("{\"provider\":\"slack\",\"user\":\"a\",\"access_token\":\"xoxb-1\"}\n", "import", "--file", "-");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).isEqualTo("integ: error: no data keyset at integ:keyset: the store has not been set up for credentials\n"
                + "integ: hint: run 'integ keys init'\n");
        assertThat(vault.credentialKeys()).isEmpty();
    }
}
