package dev.integ.keys;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.config.Settings;
import dev.integ.testing.Cli;
import dev.integ.testing.IntegProcess;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static dev.integ.testing.VaultFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reproduction 1 of issue 10 with real processes: a long `./integ import` is paused (SIGSTOP) after it
 * has written some records, the keys are rotated, rewrapped and the old key retired, then the import
 * goes on (SIGCONT) with the keyset it loaded before. Before the fix the retire deleted the key at
 * once and every record the import wrote afterwards was unreadable ("N under no key of this keyset").
 */
class StalledImportIT {
    private static final int LINES = 30_000;

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @Test
    void anImportPausedAcrossRotateRewrapRetireLosesNothing() throws Exception {
        vault.ok("keys", "init");
        String old = vault.primaryKey();
        Path file = Files.createTempFile(vault.directory(), "import", ".jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            lines.append("{\"provider\":\"slack\",\"user\":\"u").append(i).append("\",\"access_token\":\"tok-").append(i)
                    .append("\",\"refresh_token\":\"ref-").append(i).append("\",\"expires_in\":3600}\n");
        }
        Files.writeString(file, lines);

        Map<String, String> env = new HashMap<>(vault.cli().environment());
        env.put("INTEG_CDS", "off"); // the launcher execs the JVM: the signals reach it directly
        IntegProcess importer = IntegProcess.start(env, vault.withRedis("import", "--file", file.toString()));
        long written;
        try (Jedis jedis = vault.jedis()) {
            long keysBefore = jedis.dbSize(); // the keyset and the event log; the import adds a key per credential
            while (jedis.dbSize() - keysBefore < 1000 && importer.isAlive()) {
                Thread.onSpinWait();
            }
            importer.pause();
            written = jedis.dbSize() - keysBefore;
        }
        assertThat(written).as("the import is paused half-way (it had not finished)").isBetween(1L, LINES - 1L);

        vault.ok("keys", "rotate");
        String next = vault.primaryKey();
        vault.ok("keys", "rewrap");
        vault.ok("keys", "retire", old);

        importer.resume();
        IntegProcess.Result imported = importer.finish(Duration.ofMinutes(3));
        assertThat(imported.exitCode()).as(imported.err()).isZero();

        JsonNode status = vault.status();
        assertThat(status.get("records").asLong()).isEqualTo(LINES);
        assertThat(status.get("unknown_key_records").asLong()).as("records under no key of the keyset").isZero();
        Cli.Result list = vault.run("list", "-o", "json");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(json(list).size()).isEqualTo(LINES);

        // the import went on under the key it knew, which is only retiring: the final retire finds those
        // records, and after a rewrap deletes the key with nothing lost
        long underOld = vault.recordsPerKey().getOrDefault(old, 0L);
        vault.backdateRetiring(old, Settings.DEFAULT_RETIRE_GRACE);
        if (underOld > 0) {
            assertThat(vault.run("keys", "retire", old).exitCode()).isEqualTo(1);
            vault.ok("keys", "rewrap");
        }
        assertThat(json(vault.ok("keys", "retire", old, "-o", "json")).get("step").asText()).isEqualTo("DELETED");
        assertThat(vault.recordsPerKey()).isEqualTo(Map.of(next, (long) LINES));
        assertThat(vault.run("list", "-o", "json").exitCode()).isZero();
    }
}
