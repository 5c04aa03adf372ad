package dev.integ.oauth;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.store.LockLease;
import dev.integ.store.RedisKeys;
import dev.integ.testing.LockWatch;
import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RefreshLockTest {
    @RegisterExtension
    static final VaultFixture fixture = VaultFixture.start();
    private final RedisKeys keys = new RedisKeys("locktest");

    @Test
    void holdersGetGrowingFencingTokensAndOnlyOneHoldsItAtATime() {
        long first;
        try (RefreshLock lock = RefreshLock.acquire(fixture.client(), keys, "jira", "alice", Duration.ZERO)) {
            first = lock.fence();
            assertThatThrownBy(() -> RefreshLock.acquire(fixture.client(), keys, "jira", "alice", Duration.ofMillis(30)))
                    .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER))
                    .hasMessageContaining("another process is refreshing the jira credential of alice");
            try (RefreshLock other = RefreshLock.acquire(fixture.client(), keys, "jira", "bob", Duration.ZERO)) {
                assertThat(other.fence()).isPositive(); // a lock per credential
            }
        }
        try (RefreshLock next = RefreshLock.acquire(fixture.client(), keys, "jira", "alice", Duration.ZERO)) {
            assertThat(next.fence()).isGreaterThan(first);
            assertThat(fixture.client().pttl(keys.refreshLock("jira", "alice"))).isBetween(1L, LockLease.DEFAULT.toMillis());
        }
        assertThat(fixture.client().exists(keys.refreshLock("jira", "alice"))).isFalse();
    }

    @Test
    void aHolderThatWorksLongerThanTheLeaseKeepsTheLock() {
        String key = keys.refreshLock("google", "dora");
        try (RefreshLock lock = RefreshLock.acquire(fixture.client(), keys, "google", "dora", Duration.ZERO, Duration.ofMillis(300))) {
            LockWatch.awaitRenewals(fixture.client(), key, 4, Duration.ofSeconds(30)); // 4 renewals a third of a lease apart
            assertThatThrownBy(() -> RefreshLock.acquire(fixture.client(), keys, "google", "dora", Duration.ZERO))
                    .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER));
            assertThat(lock.lost()).isFalse();
            assertThat(fixture.client().get(key)).isEqualTo(Long.toString(lock.fence()));
        }
        assertThat(fixture.client().exists(key)).isFalse();
    }

    @Test
    void aHolderWhoseLockLapsedCannotReleaseItsSuccessors() {
        RefreshLock lapsed = RefreshLock.acquire(fixture.client(), keys, "slack", "carol", Duration.ZERO);
        fixture.client().del(keys.refreshLock("slack", "carol")); // as if its TTL ran out
        try (RefreshLock successor = RefreshLock.acquire(fixture.client(), keys, "slack", "carol", Duration.ZERO)) {
            lapsed.close();
            assertThat(fixture.client().get(keys.refreshLock("slack", "carol"))).isEqualTo(Long.toString(successor.fence()));
        }
    }
}
