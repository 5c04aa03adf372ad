package dev.integ.keys;

import dev.integ.testing.Cli;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without the right master key nothing can be read and nothing is written: every such case is "a
 * human must act" (exit 5) with a message that names the file and says what to do.
 */
class MasterKeyTest {
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void storeSetUpWithMasterKeyA() {
        vault.reset();
        vault.okWithInput("{\"provider\":\"slack\",\"user\":\"alice\",\"access_token\":\"xoxb-1\"}\n", "import", "--file", "-");
    }

    private static Cli.Result runWithKey(Path masterKey, String stdin, String... args) {
        return Cli.inTempHome().env("INTEG_MASTER_KEY_FILE", masterKey.toString()).runWithInput(stdin, vault.withRedis(args));
    }

    /** Another valid master key: made by `keys init` for a namespace of its own. */
    private static Path otherValidMasterKey(Path dir) {
        Path other = dir.resolve("other-master-key.json");
        Cli.Result init = runWithKey(other, "", "keys", "init", "--namespace", "scratch");
        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(other).exists();
        return other;
    }

    @Test
    void aDifferentValidMasterKeyReadsNothingAndWritesNothing(@TempDir Path dir) {
        Path wrong = otherValidMasterKey(dir);
        Map<String, String> before = vault.snapshot();
        String hint = "integ: hint: use the master key this store was set up with (INTEG_MASTER_KEY_FILE or vault.master-key-file)\n";
        String keyset = "integ: error: cannot decrypt the data keyset at integ:keyset with the master key file " + wrong
                + " (from INTEG_MASTER_KEY_FILE): a different master key encrypted it, or the keyset was altered\n" + hint;
        // a command that records an event first finds out at the event log's chain key, under the same master key
        String chainKey = "integ: error: cannot decrypt the event log's chain key at integ:events:chain-key with the master key file " + wrong
                + " (from INTEG_MASTER_KEY_FILE): a different master key encrypted it, or the key was altered\n" + hint;

        for (List<String> command : List.of(List.of("list"), List.of("show", "slack", "--user", "alice"), List.of("keys", "status"),
                List.of("keys", "rotate"), List.of("keys", "rewrap"), List.of("keys", "init"))) {
            Cli.Result r = runWithKey(wrong, "", command.toArray(String[]::new));
            assertThat(r.exitCode()).as("%s: %s", command, r.err()).isEqualTo(5);
            assertThat(r.err()).as("%s", command).isIn(keyset, chainKey);
        }
        Cli.Result importing = runWithKey(wrong, "{\"provider\":\"slack\",\"user\":\"bob\",\"access_token\":\"xoxb-2\"}\n",
                "import", "--file", "-");
        assertThat(importing.exitCode()).isEqualTo(5);
        assertThat(importing.err()).isIn(keyset, chainKey);

        assertThat(vault.snapshot()).as("keyset and records unchanged").isEqualTo(before);
        // and the right key still reads everything
        assertThat(vault.ok("list").out()).contains("alice");
    }

    @Test
    void missingMasterKeyFile(@TempDir Path dir) {
        Path missing = dir.resolve("gone/master-key.json");
        Map<String, String> before = vault.snapshot();

        Cli.Result r = runWithKey(missing, "", "list");

        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.out()).doesNotContain("alice");
        assertThat(r.err()).isEqualTo("integ: error: no master key at " + missing
                + " (from INTEG_MASTER_KEY_FILE): the data keyset cannot be decrypted without it\n"
                + "integ: hint: restore the file, point INTEG_MASTER_KEY_FILE or vault.master-key-file at it, "
                + "or run 'integ keys init' on a new store\n");
        assertThat(runWithKey(missing, "", "keys", "rotate").exitCode()).isEqualTo(5);
        assertThat(vault.snapshot()).isEqualTo(before);
    }

    @Test
    void masterKeyFileReadableByOthersIsRefused(@TempDir Path dir) throws IOException {
        for (String mode : List.of("rw-r--r--", "rw-r-----")) {
            Path copy = dir.resolve("master-key-" + mode + ".json");
            Files.copy(vault.masterKeyFile(), copy);
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString(mode));

            Cli.Result r = runWithKey(copy, "", "list");

            assertThat(r.exitCode()).as(mode).isEqualTo(5);
            assertThat(r.err()).isEqualTo("integ: error: the master key file " + copy + " is readable by others: it must be private to its owner\n"
                    + "integ: hint: run: chmod 600 " + copy + "\n");

            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
            assertThat(runWithKey(copy, "", "list").exitCode()).as("once private").isZero();
        }
    }

    @Test
    void aSharedRedisNeedsAConfiguredMasterKey() {
        Map<String, String> before = vault.snapshot();
        for (String[] command : List.of(new String[] {"list"}, new String[] {"keys", "init"}, new String[] {"keys", "status"})) {
            Cli.Result r = Cli.inTempHome().run(vault.withRedis(command));
            assertThat(r.exitCode()).isEqualTo(5);
            assertThat(r.err()).isEqualTo("integ: error: no master key configured for " + vault.url()
                    + ": a shared Redis needs the same master key on every machine that uses it\n"
                    + "integ: hint: set INTEG_MASTER_KEY_FILE or vault.master-key-file ('integ keys init' creates the file)\n");
        }
        assertThat(vault.snapshot()).isEqualTo(before);
    }

    @Test
    void keysInitCreatesAPrivateMasterKeyFileAndNeverOverwrites(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("new/master-key.json");
        Cli.Result init = runWithKey(file, "", "keys", "init", "--namespace", "fresh", "-o", "json");
        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(VaultFixture.json(init).get("master_created").asBoolean()).isTrue();
        assertThat(VaultFixture.json(init).get("keyset_created").asBoolean()).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String content = Files.readString(file);

        Cli.Result again = runWithKey(file, "", "keys", "init", "--namespace", "fresh", "-o", "json");
        assertThat(again.exitCode()).isZero();
        assertThat(VaultFixture.json(again).get("master_created").asBoolean()).isFalse();
        assertThat(VaultFixture.json(again).get("keyset_created").asBoolean()).isFalse();
        assertThat(Files.readString(file)).isEqualTo(content);
    }

    @Test
    void keysInitDryRunCreatesNothing(@TempDir Path dir) {
        Path file = dir.resolve("master-key.json");
        Map<String, String> before = vault.snapshot();
        Cli.Result dry = runWithKey(file, "", "keys", "init", "--namespace", "dry", "--dry-run");
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).isEqualTo("master key:  file " + file + " (from INTEG_MASTER_KEY_FILE) (would create)\n"
                + "data keyset: would create it\n");
        assertThat(file).doesNotExist();
        assertThat(vault.snapshot()).isEqualTo(before);
    }

    @Test
    void rotateMasterMovesTheKeysetToTheNewFile(@TempDir Path dir) throws IOException {
        Path next = dir.resolve("next/master-key.json");
        Map<String, String> before = vault.snapshot();
        Cli.Result dry = vault.run("keys", "rotate-master", "--new-master-key-file", next.toString(), "--dry-run");
        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(next).doesNotExist();
        assertThat(vault.snapshot()).isEqualTo(before);

        Cli.Result r = vault.run("keys", "rotate-master", "--new-master-key-file", next.toString(), "-o", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(VaultFixture.json(r).get("to").asText()).contains(next.toString());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(next))).isEqualTo("rw-------");

        // the records are untouched, the old master key no longer opens the keyset, the new one does
        Map<String, String> after = vault.snapshot();
        assertThat(after).containsEntry("integ:cred:slack:alice", before.get("integ:cred:slack:alice"));
        assertThat(after.get("integ:keyset")).isNotEqualTo(before.get("integ:keyset"));
        Cli.Result old = vault.run("list");
        assertThat(old.exitCode()).isEqualTo(5);
        assertThat(old.err()).startsWith("integ: error: cannot decrypt the data keyset at integ:keyset with the master key file "
                + vault.masterKeyFile());
        Cli.Result list = runWithKey(next, "", "list", "-o", "json");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(VaultFixture.json(list).findValuesAsText("user")).containsExactly("alice");
        // and it can move back
        assertThat(runWithKey(next, "", "keys", "rotate-master", "--new-master-key-file", vault.masterKeyFile().toString()).exitCode())
                .isZero();
        assertThat(vault.ok("list").out()).contains("alice");
    }

    @Test
    void rotateMasterInPlaceReplacesTheKeyFileAndAnInterruptedOneIsFinishedByTheNextCommand(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("master-key.json");
        Files.copy(vault.masterKeyFile(), file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Path next = dir.resolve("master-key.json.next");
        Path old = Files.copy(file, dir.resolve("old-master-key.json"));
        Map<String, String> before = vault.snapshot();

        Cli.Result r = runWithKey(file, "", "keys", "rotate-master");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readString(file)).isNotEqualTo(Files.readString(old));
        assertThat(next).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Path previous = dir.resolve("master-key.json.previous");
        assertThat(Files.readString(previous)).as("the old key is kept").isEqualTo(Files.readString(old));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(previous))).isEqualTo("rw-------");
        assertThat(vault.snapshot()).containsEntry("integ:cred:slack:alice", before.get("integ:cred:slack:alice"));
        assertThat(runWithKey(file, "", "list").out()).contains("alice");
        assertThat(runWithKey(old, "", "list").exitCode()).isEqualTo(5);

        // as an earlier integ left a stopped rotation: the keyset re-encrypted under FILE.next, which never replaced the file
        Files.move(file, next);
        Files.copy(old, file);
        Cli.Result resumed = runWithKey(file, "", "list");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("alice");
        assertThat(next).doesNotExist();
        assertThat(Files.readString(file)).isNotEqualTo(Files.readString(old));
        assertThat(runWithKey(file, "", "keys", "status").exitCode()).isZero();
    }
}
