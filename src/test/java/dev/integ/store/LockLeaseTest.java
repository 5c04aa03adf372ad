package dev.integ.store;

import dev.integ.testing.LockWatch;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease under integ's Redis locks, with a 300 ms lease so that "longer than the lease" is quick. */
class LockLeaseTest {
    @RegisterExtension
    static final VaultFixture fixture = VaultFixture.start();
    private static final Duration LEASE = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private final UnifiedJedis redis = fixture.client();

    @BeforeEach
    void empty() {
        redis.flushAll();
    }

    private LockLease take(String key, String token) {
        LockLease lease = LockLease.prepare(redis, key, LEASE);
        assertThat(redis.set(key, token, SetParams.setParams().nx().px(LEASE.toMillis()))).isEqualTo("OK");
        lease.start(token);
        return lease;
    }

    @Test
    void aHolderThatWorksLongerThanTheLeaseKeepsItAndReleasesItWhenDone() {
        try (LockLease lease = take("t:lock", "mine")) {
            LockWatch.awaitRenewals(redis, "t:lock", 4, PATIENCE); // 4 renewals a third of a lease apart: longer than the lease
            assertThat(redis.get("t:lock")).isEqualTo("mine");
            assertThat(redis.pttl("t:lock")).isBetween(1L, LEASE.toMillis());
            assertThat(lease.lost()).isFalse();
            assertThat(lease.renew()).isTrue();
        }
        assertThat(redis.exists("t:lock")).as("released on close").isFalse();
    }

    @Test
    void aRenewalThatFindsTheLockTakenOverMarksItLostAndItsReleaseLeavesTheNewHolderAlone() {
        LockLease lease = take("t:lock", "mine");
        redis.set("t:lock", "theirs"); // as if it lapsed and another holder took it
        LockWatch.await("the heartbeat found the lock taken over", PATIENCE, lease::lost);
        assertThat(lease.renew()).isFalse();
        assertThat(lease.holdThrough(Duration.ofSeconds(30))).isFalse();
        lease.close();
        assertThat(redis.get("t:lock")).isEqualTo("theirs");
        assertThat(redis.pttl("t:lock")).as("not extended on their behalf").isEqualTo(-1);
    }

    @Test
    void holdingThroughAStepCoversItWithoutTheHeartbeatAndARenewalNeverShortensIt() {
        try (LockLease lease = take("t:lock", "mine")) {
            assertThat(lease.holdThrough(Duration.ofSeconds(30))).isTrue();
            assertThat(redis.pttl("t:lock")).isGreaterThan(30_000);
            assertThat(lease.renew()).isTrue(); // what the heartbeat does
            assertThat(redis.pttl("t:lock")).isGreaterThan(29_000);
        }
    }

    @Test
    void atExitEveryLeaseIsReleasedButOneInAStepThatMustFinishIsLeftToItsHolderForTheGrace() throws Exception {
        LockLease plain = take("t:plain", "a");
        LockLease redeeming = take("t:redeeming", "b");
        assertThat(redeeming.holdThrough(Duration.ofSeconds(30))).isTrue();

        CompletableFuture<Void> exit = CompletableFuture.runAsync(() -> LockLease.releaseAllAtExit(Duration.ofSeconds(60)));
        LockWatch.await("the plain lease is released", PATIENCE, plain::lost);
        assertThat(redis.exists("t:plain")).isFalse();
        assertThat(redis.get("t:redeeming")).as("left to its holder").isEqualTo("b");
        assertThat(exit).as("the exit waits for the holder").isNotDone();
        redeeming.close(); // the holder finished its step in time
        exit.get(30, TimeUnit.SECONDS);
        assertThat(redis.exists("t:redeeming")).isFalse();
    }

    @Test
    void aHolderThatDoesNotFinishItsStepWithinTheGraceLeavesTheLockToLapse() {
        LockLease redeeming = take("t:redeeming", "b");
        assertThat(redeeming.holdThrough(Duration.ofSeconds(30))).isTrue();
        LockLease.releaseAllAtExit(Duration.ofMillis(50));
        assertThat(redis.get("t:redeeming")).isEqualTo("b");
        assertThat(redis.pttl("t:redeeming")).isPositive();
        redeeming.close();
    }
}
