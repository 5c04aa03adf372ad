package dev.integ.keys;

import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Zero set-up is for the embedded store's first use only: a lost key is never replaced, a shared Redis needs one named. */
class FirstRunKeysTest {
    private static final String LINE = "{\"provider\": \"slack\", \"user\": \"alice\", \"access_token\": \"xoxp-first-run\"}\n";

    private final Cli cli = Cli.inTempHome();
    private final Path masterKey = cli.home().resolve("data/integ/master-key.json");

    @AfterEach
    void stopTheEmbeddedStore() {
        cli.run("store", "stop");
        VaultFixture.deleteRecursively(cli.home());
    }

    @Test
    void aMasterKeyLostAfterFirstUseIsNotReplacedByANewOne() throws IOException {
        Cli.Result first = cli.runWithInput(LINE, "import", "--file", "-");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.err()).containsOnlyOnce("integ: note: created the embedded store's master key at " + masterKey);
        Files.delete(masterKey);

        Cli.Result after = cli.run("token", "slack", "--user", "alice");
        assertThat(after.exitCode()).isEqualTo(5);
        assertThat(after.err()).contains("integ: error: no master key at " + masterKey).doesNotContain("created");
        assertThat(masterKey).as("a new key would seal new data while the old data stays locked away").doesNotExist();
    }

    @Test
    void aSharedRedisStillNeedsAMasterKeyNamedExplicitly() {
        try (TestRedis shared = TestRedis.start()) {
            Cli.Result r = cli.runWithInput(LINE, "import", "--file", "-", "--redis", shared.url());
            assertThat(r.exitCode()).isEqualTo(5);
            assertThat(r.err()).contains("integ: error: no master key configured for " + shared.url())
                    .doesNotContain("created");
            assertThat(cli.home().resolve("data/integ")).doesNotExist();
        }
    }

    @Test
    void keysInitAfterAFirstCommandFindsEverythingSetUp() {
        assertThat(cli.runWithInput(LINE, "import", "--file", "-").exitCode()).isZero();
        Cli.Result init = cli.run("keys", "init");
        assertThat(init.exitCode()).as(init.err()).isZero();
        assertThat(init.out()).contains("data keyset: already set up").doesNotContain("(created)");
    }
}
