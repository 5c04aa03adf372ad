package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.keys.KeysetLease;
import dev.integ.store.StoreConnector;
import dev.integ.store.StoreDescription;
import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import dev.integ.testing.VaultFixture;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialImport;
import dev.integ.vault.CredentialStore;
import dev.integ.vault.CredentialVault;
import dev.integ.vault.Secrets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static dev.integ.testing.VaultFixture.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * `integ import` after a failure part-way (store killed, a concurrent writer, Ctrl-C, a full store):
 * the failure says exactly what was written and where a rerun goes on, the event log never claims a
 * success, and rerunning the same file finishes the import.
 */
class ImportAfterFailureTest {
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();
    /** For the test that kills its server: every write is on disk before it is answered, so what was acknowledged survives kill -9. */
    @RegisterExtension
    static final VaultFixture durable = VaultFixture.start(TestRedis.DURABLE.toArray(String[]::new));

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeEach
    void freshStore() {
        vault.reset();
    }

    /**
     * {@code n} lines for slack/u0000...: every kind of expiry a line can give (relative, absolute, none),
     * so a rerun also proves that relative ones compare as unchanged.
     */
    private static String lines(int n) {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String user = String.format("u%04d", i);
            file.append("{\"provider\":\"slack\",\"user\":\"").append(user).append("\",\"access_token\":\"xoxb-").append(user).append('"');
            switch (i % 3) {
                case 0 -> file.append(",\"refresh_token\":\"xoxe-").append(user).append("\",\"expires_in\":43200,\"refresh_expires_in\":2592000");
                case 1 -> file.append(",\"expires_at\":\"2031-05-01T10:00:00.123456Z\",\"scopes\":\"chat:write channels:read\"");
                default -> file.append(",\"metadata\":{\"team\":\"T1\"},\"secrets\":{\"bot\":\"xoxb-bot-").append(user).append("\"}");
            }
            file.append("}\n");
        }
        return file.toString();
    }

    private Path file(String content) {
        try {
            return Files.writeString(dir.resolve("tokens.jsonl"), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The service as ImportCommand builds it, on the fixture's server. */
    private static CredentialImport importer() {
        return importer(vault);
    }

    private static CredentialImport importer(VaultFixture fixture) {
        StoreDescription store = new StoreDescription("standalone", fixture.url(), "--redis", null);
        return new CredentialImport(fixture.vault(NS), UnaryOperator.identity(), e -> StoreConnector.translate(e, store));
    }

    private static CredentialImport.Result run(CredentialImport importer, String content, boolean replace) {
        try {
            return importer.run(new BufferedReader(new StringReader(content)), replace, false, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int storedCredentials() {
        return vault.credentialKeys().size();
    }

    /** The import events in the log, oldest first: action and details. */
    private static List<JsonNode> importEvents() {
        return importEvents(vault);
    }

    private static List<JsonNode> importEvents(VaultFixture fixture) {
        List<JsonNode> events = new ArrayList<>();
        for (String line : fixture.ok("events", "-o", "json", "--action", "import.").out().split("\n")) {
            if (!line.isBlank()) {
                try {
                    events.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return events;
    }

    private static List<String> actions(List<JsonNode> events) {
        return events.stream().map(e -> e.get("action").asText()).toList();
    }

    @Test
    void aStoreKilledMidImportIsToldExactlyAndTheSameFileFinishesItOnTheRestartedServer() {
        durable.reset();
        String content = lines(2300); // batches of 500: the store dies once the second batch is stored
        CredentialImport importer = importer(durable).afterEachBatch(batch -> {
            if (batch == 2) {
                durable.server().kill();
            }
        });

        IntegException failure = catchThrowableOfType(() -> run(importer, content, false), IntegException.class);

        assertThat(failure).as("the import must fail once the store is gone").isNotNull();
        assertThat(failure.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
        assertThat(failure.getMessage()).startsWith("import stopped at line 1001: cannot reach Redis " + durable.url() + ": ")
                .endsWith("; 1000 credentials were written and 0 unchanged; "
                        + "lines 1001-1500 were being written: 500 of them may be stored or not");
        assertThat(failure.hint()).startsWith("check that the server is running")
                .endsWith("rerunning the same file is safe: it goes on from line 1001 and counts what is already stored as unchanged");

        try (TestRedis restarted = TestRedis.restart(durable.server().directory(), durable.server().port(),
                TestRedis.DURABLE.toArray(String[]::new))) {
            assertThat(durable.credentialKeys()).as("what the message says was written is what the store holds").hasSize(1000);
            assertThat(actions(importEvents(durable))).as("started, and never a success: the outcome could not be written")
                    .containsExactly("import.start");

            Cli.Result rerun = durable.ok("import", "--file", file(content).toString());
            assertThat(rerun.out()).isEqualTo("imported 1300 credentials (0 replacing stored ones), 1000 unchanged\n");
            assertThat(rerun.err()).isEmpty();
            assertThat(durable.credentialKeys()).hasSize(2300);
            assertThat(durable.run("list", "-o", "json").exitCode()).as("every record decrypts").isZero();
            List<JsonNode> events = importEvents(durable);
            assertThat(actions(events)).containsExactly("import.start", "import.start", "import.success");
            assertThat(events.get(2).get("details").get("written").asText()).isEqualTo("1300");
            assertThat(events.get(2).get("details").get("unchanged").asText()).isEqualTo("1000");

            assertThat(durable.ok("import", "--file", file(content).toString()).out()).as("and once more: nothing left to do")
                    .isEqualTo("imported 0 credentials (0 replacing stored ones), 2300 unchanged\n");
        }
    }

    @Test
    void aConflictInABatchCountsTheOtherWritesOfThatBatchAsWritten() {
        String content = lines(1200);
        // another writer stores slack/u0699 (line 700, in the second batch) after the import compared it
        CredentialImport importer = importer().afterEachBatch(batch -> {
            if (batch == 1) {
                Instant now = Instant.now();
                assertThat(vault.vault(NS).save(new Credential("slack", "u0699", Credential.ACTIVE, List.of(), null, null, false, now, now,
                        Map.of()), new Secrets("xoxb-other-writer", null, Map.of()), 0)).isTrue();
            }
        });

        IntegException failure = catchThrowableOfType(() -> run(importer, content, false), IntegException.class);

        assertThat(failure).isNotNull();
        assertThat(failure.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
        assertThat(failure.getMessage()).isEqualTo("import stopped at line 700: slack/u0699 (line 700) was stored by another writer "
                + "during the import; 999 credentials were written and 0 unchanged");
        assertThat(failure.hint()).isEqualTo("'integ events --provider slack --user u0699' shows who wrote it; rerunning the same file "
                + "is safe: it goes on from line 700 and counts what is already stored as unchanged; add --replace if the file should "
                + "overwrite that credential");
        assertThat(storedCredentials()).as("999 of the import's and the other writer's").isEqualTo(1000);
        assertThat(vault.vault(NS).read("slack", "u0699").orElseThrow().secrets().revealAccessToken()).isEqualTo("xoxb-other-writer");
        assertThat(vault.vault(NS).read("slack", "u1000")).as("the third batch was not written").isEmpty();
        List<JsonNode> events = importEvents();
        assertThat(actions(events)).containsExactly("import.start", "import.failure");
        assertThat(events.get(1).get("details").get("reason").asText()).isEqualTo("conflict");
        assertThat(events.get(1).get("details").get("written").asText()).isEqualTo("999");
        assertThat(events.get(1).get("details").get("stopped_at_line").asText()).isEqualTo("700");

        Path tokens = file(content);
        Cli.Result refused = vault.run("import", "--file", tokens.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).startsWith("integ: error: line 700: slack/u0699 is already stored with other content "
                + "(access_token, refresh_token, expires_in, refresh_expires_in); use --replace to overwrite it\n");
        assertThat(vault.ok("import", "--file", tokens.toString(), "--replace").out())
                .isEqualTo("imported 1200 credentials (1000 replacing stored ones), 0 unchanged\n");
        assertThat(vault.vault(NS).read("slack", "u0699").orElseThrow().secrets().revealAccessToken()).isEqualTo("xoxb-u0699");
    }

    /** The same file imported twice at once: the line the other import stored first is unchanged, not a conflict. */
    @Test
    void aConcurrentWriteOfTheSameLineIsUnchanged() {
        String content = lines(1200);
        String line700 = content.lines().skip(699).findFirst().orElseThrow() + "\n";
        CredentialImport importer = importer().afterEachBatch(batch -> {
            if (batch == 1) {
                assertThat(run(importer(), line700, false).imported()).isEqualTo(1);
            }
        });

        CredentialImport.Result r = run(importer, content, false);

        assertThat(r.imported()).isEqualTo(1199);
        assertThat(r.unchanged()).isEqualTo(1);
        assertThat(r.interrupted()).isNull();
        assertThat(storedCredentials()).isEqualTo(1200);
    }

    /** Ctrl-C asks the import to stop (see StopOnShutdown); it stops between two batches and says where. */
    @Test
    void aStopRequestedMidImportStopsBetweenBatchesAndSaysWhere() {
        String content = lines(1300);
        vault.ok("import", "--file", file(lines(200)).toString()); // lines 1-200 are stored already
        CredentialImport importer = importer();
        importer.afterEachBatch(batch -> {
            if (batch == 1) {
                importer.requestStop();
            }
        });

        CredentialImport.Result r = run(importer, content, false);

        assertThat(r.interrupted()).isNotNull();
        assertThat(r.interrupted().message()).isEqualTo("import interrupted before line 701: 500 credentials were written and 200 unchanged");
        assertThat(r.interrupted().hint())
                .isEqualTo("rerunning the same file is safe: it goes on from line 701 and counts what is already stored as unchanged");
        assertThat(storedCredentials()).isEqualTo(700);
        List<JsonNode> events = importEvents();
        assertThat(actions(events)).containsExactly("import.start", "import.success", "import.start", "import.failure");
        assertThat(events.get(3).get("details").get("reason").asText()).isEqualTo("interrupted");
        assertThat(events.get(3).get("details").get("written").asText()).isEqualTo("500");

        assertThat(vault.ok("import", "--file", file(content).toString()).out())
                .isEqualTo("imported 600 credentials (0 replacing stored ones), 700 unchanged\n");
    }

    /** Asked to stop while its start is being recorded: it writes nothing, and says so. */
    @Test
    void aStopAskedForWhileTheStartIsRecordedWritesNothing() {
        EventLog log = vault.events(NS);
        CredentialImport[] importer = new CredentialImport[1];
        EventLog stopAtStart = event -> {
            log.record(event);
            if (event.action().equals("import.start")) {
                importer[0].requestStop();
            }
        };
        CredentialVault stopping = new CredentialVault(new CredentialStore(vault.client(), vault.keys(NS)),
                KeysetLease.of(vault.keyring(NS)), Clock.systemUTC(), stopAtStart);
        importer[0] = new CredentialImport(stopping, UnaryOperator.identity(), e -> StoreConnector.translate(e,
                new StoreDescription("standalone", vault.url(), "--redis", null)));

        CredentialImport.Result r = run(importer[0], lines(700), false);

        assertThat(r.interrupted()).isNotNull();
        assertThat(r.interrupted().message()).isEqualTo("import interrupted before line 1: 0 credentials were written and 0 unchanged");
        assertThat(storedCredentials()).isZero();
        assertThat(actions(importEvents())).containsExactly("import.start", "import.failure");
    }

    /**
     * A store that fills up part-way through a batch answers some writes with errors and takes others:
     * the batch is read back, so the count is exact, through the real command.
     */
    @Test
    void aStoreFillingUpMidBatchIsCountedExactlyByReadingTheBatchBack() {
        Path tokens = file(lines(3000));
        try (Jedis jedis = vault.jedis()) {
            long used = Long.parseLong(jedis.info("memory").lines().filter(l -> l.startsWith("used_memory:")).findFirst().orElseThrow()
                    .substring("used_memory:".length()).trim());
            jedis.configSet("maxmemory-policy", "noeviction");
            jedis.configSet("maxmemory", Long.toString(used + 600_000)); // room for some hundreds of records, not 3000
        }
        Cli.Result full;
        try {
            full = vault.run("import", "--file", tokens.toString());
        } finally {
            try (Jedis jedis = vault.jedis()) {
                jedis.configSet("maxmemory", "0");
            }
        }

        assertThat(full.exitCode()).as(full.err()).isEqualTo(4);
        int written = storedCredentials();
        assertThat(written).as("the store filled up part-way").isBetween(1, 2999);
        assertThat(full.err()).containsPattern("^integ: error: import stopped at line \\d+: .*Redis is full.*; " + written
                + " credentials were written and 0 unchanged\n").doesNotContain("may be stored or not");
        assertThat(vault.ok("import", "--file", tokens.toString()).out())
                .isEqualTo("imported " + (3000 - written) + " credentials (0 replacing stored ones), " + written + " unchanged\n");
    }
}
