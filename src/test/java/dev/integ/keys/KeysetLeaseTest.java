package dev.integ.keys;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import org.junit.jupiter.api.Test;

import java.security.GeneralSecurityException;
import java.util.Map;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code refresh --all}'s workers open credentials together: the keyset is loaded once, and a load
 * that fails is tried again by the next caller.
 */
class KeysetLeaseTest {

    @Test
    void aSecondCallerWaitsForTheFirstBuildInsteadOfBuildingAgain() throws Exception {
        AtomicInteger builds = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        KeysetLease lazy = new KeysetLease(() -> {
            builds.incrementAndGet();
            await(release);
            return keys();
        }, held -> held);
        CompletableFuture<DataKeys> first = CompletableFuture.supplyAsync(lazy);
        while (builds.get() == 0) {
            Thread.onSpinWait();
        }
        CompletableFuture<DataKeys> second = new CompletableFuture<>();
        Thread late = new Thread(() -> second.complete(lazy.get()));
        late.start();
        // the late caller either blocks on the build in progress or (the bug) starts a build of its own
        while (late.getState() != Thread.State.BLOCKED && builds.get() == 1) {
            Thread.onSpinWait();
        }
        release.countDown();
        assertThat(second.get(30, TimeUnit.SECONDS)).isSameAs(first.get(30, TimeUnit.SECONDS));
        assertThat(builds).hasValue(1);
        assertThat(lazy.get()).isSameAs(first.get());
    }

    @Test
    void aFailedBuildIsNotRemembered() {
        AtomicInteger builds = new AtomicInteger();
        DataKeys built = keys();
        KeysetLease lazy = new KeysetLease(() -> {
            if (builds.incrementAndGet() == 1) {
                throw new IllegalStateException("store down");
            }
            return built;
        }, held -> held);
        assertThat(builds).hasValue(0);
        assertThatThrownBy(lazy::get).hasMessage("store down");
        assertThat(lazy.get()).isSameAs(built);
        assertThat(lazy.get()).isSameAs(built);
        assertThat(builds).hasValue(2);
    }

    private static DataKeys keys() {
        try {
            return new DataKeys(KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM), 1, Map.of(), Map.of(), null, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
