package dev.integ.keys;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.store.LockLease;
import dev.integ.testing.Cli;
import dev.integ.testing.LockWatch;
import dev.integ.testing.VaultFixture;
import dev.integ.vault.KeyRotation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.integ.testing.VaultFixture.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The keys lock held for as long as its job works, and not a moment longer: on success, on errors, when its release fails. */
class AdminLockTest {
    private static final String LOCK = NS + ":lock:keys";
    private static final Duration LEASE = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @BeforeEach
    void freshStore() {
        vault.reset();
        vault.okWithInput("""
                {"provider":"slack","user":"ann","access_token":"a","refresh_token":"r","expires_in":3600}
                {"provider":"slack","user":"bob","access_token":"b","refresh_token":"r","expires_in":3600}
                """, "import", "--file", "-");
        vault.ok("keys", "rotate");
    }

    @Test
    void aRewrapThatWorksLongerThanTheLeaseKeepsTheLockToTheEnd() throws Exception {
        CountDownLatch working = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        KeyRotation rotation = vault.rotation(NS, vault.vault(NS), () -> AdminLock.acquire(vault.client(), LOCK, Duration.ZERO, LEASE));
        CompletableFuture<KeyRotation.RewrapResult> job = CompletableFuture.supplyAsync(() -> rotation.rewrap(false, (done, total) -> {
            working.countDown();
            await(finish); // the batch's work goes on until the test has seen the lock outlive its lease
        }));
        assertThat(working.await(30, TimeUnit.SECONDS)).isTrue();

        LockWatch.awaitRenewals(vault.client(), LOCK, 4, PATIENCE); // 4 renewals a third of a lease apart
        assertThatThrownBy(() -> AdminLock.acquire(vault.client(), LOCK, Duration.ZERO))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER));
        finish.countDown();

        assertThat(job.get(30, TimeUnit.SECONDS).rewrapped()).isEqualTo(2);
        assertThat(vault.client().exists(LOCK)).isFalse();
    }

    @Test
    void aJobWhoseLockWasTakenOverStopsAtItsNextBatchAndLeavesTheNewHolderAlone() {
        AdminLock lock = AdminLock.acquire(vault.client(), LOCK, Duration.ZERO, LEASE);
        vault.client().set(LOCK, "another-job"); // as if it had lapsed and another job took it
        assertThatThrownBy(lock::extend).isInstanceOfSatisfying(IntegException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
            assertThat(e).hasMessage("lost the keys lock " + LOCK + ": it expired or was taken over");
        });
        lock.close();
        assertThat(vault.client().get(LOCK)).isEqualTo("another-job");
        vault.client().del(LOCK);
    }

    /** Redis' ACL refuses the record writes half-way through the rewrap: the job fails, and its lock goes with it. */
    @Test
    void aJobFailingOnAnAclErrorReleasesTheLockAndTheNextRunsAtOnce() {
        Cli.Result failed = asUserWithout("-hset", "keys", "rewrap");
        assertThat(failed.exitCode()).as(failed.err()).isNotZero();
        assertThat(failed.err()).startsWith("integ: error: ").contains("can't run this command");
        assertThat(vault.client().exists(LOCK)).isFalse();
        vault.ok("keys", "rotate", "--wait", "0s");
    }

    /**
     * When the release itself is refused, the job's own error is the one reported, and the lock lapses
     * within a lease (no script may run for this user: neither the event log's nor the release).
     */
    @Test
    void aReleaseThatFailsDoesNotMaskTheJobsErrorAndTheLockLapsesWithinTheLease() {
        Cli.Result failed = asUserWithout("-@scripting", "keys", "rotate");
        // the job's own error (its first script, the keyset read), not the failed release's
        assertThat(failed.exitCode()).isEqualTo(5);
        assertThat(failed.err()).startsWith("integ: error: cannot use the store").contains("Redis' ACL denies integ's user the command 'evalsha'")
                .doesNotContain("lock");
        long ttl = vault.client().pttl(LOCK);
        assertThat(ttl).as("left for a lease of seconds, not a minute").isBetween(1L, LockLease.DEFAULT.toMillis()).isLessThanOrEqualTo(15_000);
        vault.client().del(LOCK);
    }

    private static Cli.Result asUserWithout(String denied, String... args) {
        try (Jedis jedis = vault.jedis()) {
            jedis.aclSetUser("limited", "reset", "on", ">limited-pw", "~*", "&*", "+@all", denied);
        }
        try {
            Path password = vault.directory().resolve("limited-password");
            Files.writeString(password, "limited-pw\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--redis", vault.url().replace("redis://", "redis://limited@"), "--redis-password-file", password.toString()));
            return vault.cli().run(all.toArray(String[]::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(60, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
