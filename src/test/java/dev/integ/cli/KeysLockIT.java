package dev.integ.cli;

import dev.integ.store.LockLease;
import dev.integ.testing.LockWatch;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.integ.testing.VaultFixture.NS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real `./integ keys rewrap` process stopped while it holds the keys lock. To hold it there, its
 * master key file is a FIFO: the job takes the lock, then blocks reading the key until the test lets
 * it go (or stops it). Signals go to the JVM itself (INTEG_CDS=off: the launcher execs java).
 */
class KeysLockIT {
    private static final String LOCK = NS + ":lock:keys";
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void freshStore() {
        vault.reset();
        vault.okWithInput("{\"provider\":\"slack\",\"user\":\"ann\",\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":3600}\n",
                "import", "--file", "-");
        vault.ok("keys", "rotate");
    }

    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"TERM, 143", "INT, 130"})
    void aJobStoppedByTermOrIntReleasesTheLockAndTheNextRunsAtOnce(String signal, int exitCode) throws Exception {
        Process job = rewrapHoldingTheLock();
        signal(job, signal);
        assertThat(job.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(job.exitValue()).as("the JVM's own exit code for SIG%s", signal).isEqualTo(exitCode);
        assertThat(vault.client().exists(LOCK)).as("released on the way out").isFalse();
        vault.ok("keys", "rewrap", "--wait", "0s"); // would exit 4 were the lock still held
    }

    @Test
    void aJobKilledWithSigkillLeavesALockThatLapsesWithinTheLeaseBeforeTheNextJobStopsWaiting() throws Exception {
        Process job = rewrapHoldingTheLock();
        job.destroyForcibly();
        assertThat(job.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(job.exitValue()).isEqualTo(137);
        assertThat(vault.client().pttl(LOCK)).as("nothing releases it, but it is left for a lease at most")
                .isBetween(1L, LockLease.DEFAULT.toMillis()).isLessThanOrEqualTo(15_000);
        vault.ok("keys", "rewrap"); // the default --wait outlasts the lease
    }

    /** Starts the job and returns once it holds the lock, blocked on the master key (a FIFO nobody writes). */
    private static Process rewrapHoldingTheLock() throws Exception {
        Path fifo = vault.directory().resolve("master-key-fifo-" + System.nanoTime());
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).as("mkfifo").isTrue();

        List<String> command = new ArrayList<>();
        command.add(Path.of("integ").toAbsolutePath().toString());
        command.addAll(List.of(vault.withRedis("keys", "rewrap", "--wait", "0s")));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(vault.directory().resolve("job-" + System.nanoTime() + ".log").toFile());
        builder.environment().clear();
        builder.environment().putAll(vault.cli().environment());
        builder.environment().put("INTEG_MASTER_KEY_FILE", fifo.toString());
        builder.environment().put("INTEG_CDS", "off");
        Process job = builder.start();
        job.getOutputStream().close();
        LockWatch.await("the job holds " + LOCK, PATIENCE, () -> {
            assertThat(job.isAlive()).as("the job is still running").isTrue();
            return vault.client().exists(LOCK);
        });
        return job;
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s", signal).isTrue();
    }
}
