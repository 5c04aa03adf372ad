package dev.integ.cli;

import dev.integ.testing.IntegProcess;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inputs that ran real processes out of memory on main, through the real launcher and its JVM
 * settings: an endless config file, and a 2.5 GB paste and an endless import fed through a pipe by a
 * thread (nothing on disk). Each is one error line and exit 2, and integ stops reading early, which
 * the writer sees as a closed pipe long before the end.
 */
class BadInputIT {
    /** A hang guard only: the machine running the build may be slow and busy. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();
    private static Map<String, String> env;

    @BeforeAll
    static void setUp() {
        vault.reset();
        env = new HashMap<>(vault.cli().environment());
        env.put("INTEG_REDIS_URL", vault.url());
        env.put("INTEG_CDS", "off");
        env.put("SLACK_CLIENT_ID", "client-id");
        env.put("SLACK_CLIENT_SECRET", "client-secret");
    }

    @Test
    void anEndlessConfigFileIsRefusedInOneLine() {
        IntegProcess.Result r = IntegProcess.start(env, "--config", "/dev/zero", "providers").finish(HANG_GUARD);
        assertOneLine(r, 2, "integ: error: the config file /dev/zero is larger than 1 MiB, the most integ reads from one");
    }

    @Test
    void aPasteOfTwoAndAHalfGigabytesIsRefusedAfterItsFirstLineAndRecorded() {
        AtomicLong fed = new AtomicLong();
        IntegProcess.Result r = IntegProcess.startFeeding(env, BadInputTest.Counted.of("", 'a', 2_500_000_000L, "\n"), fed,
                "connect", "slack", "--user", "bob", "--manual", "--no-browser").finish(HANG_GUARD);
        assertOneLine(r, 2, "integ: error: the pasted address: line 1 is longer than 16384 characters");
        assertThat(fed.get()).as("written before integ closed the pipe").isLessThan(100L << 20);
        List<String> events = vault.ok("events", "--provider", "slack", "-o", "json").out().lines().toList();
        assertThat(events).as("every connect.start has its outcome").hasSize(2);
        assertThat(events.get(0)).contains("\"action\":\"connect.start\"");
        assertThat(events.get(1)).contains("\"action\":\"connect.failure\"").contains("\"exit\":\"2\"");
    }

    @Test
    void anEndlessImportIsRefusedInOneLine() {
        AtomicLong fed = new AtomicLong();
        IntegProcess.Result r = IntegProcess.startFeeding(env, BadInputTest.Counted.of("", '\0', Long.MAX_VALUE / 2, ""), fed,
                "import", "--file", "-", "--dry-run").finish(HANG_GUARD);
        assertOneLine(r, 2, "integ: error: standard input: line 1 is longer than 65536 characters");
        assertThat(fed.get()).isLessThan(100L << 20);
    }

    private static void assertOneLine(IntegProcess.Result r, int exit, String error) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(exit);
        assertThat(r.err().lines().filter(l -> l.startsWith("integ: error: ")).toList()).as(r.err()).hasSize(1)
                .first().asString().startsWith(error);
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("OutOfMemoryError").doesNotContain("Exception");
    }
}
