package dev.integ.core;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LazyTest {

    @Test
    void aSecondCallerWaitsForTheFirstBuildInsteadOfBuildingAgain() throws Exception {
        AtomicInteger builds = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        Lazy<Object> lazy = Lazy.of(() -> {
            builds.incrementAndGet();
            await(release);
            return new Object();
        });
        CompletableFuture<Object> first = CompletableFuture.supplyAsync(lazy);
        while (builds.get() == 0) {
            Thread.onSpinWait();
        }
        CompletableFuture<Object> second = new CompletableFuture<>();
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
        Lazy<String> lazy = Lazy.of(() -> {
            if (builds.incrementAndGet() == 1) {
                throw new IllegalStateException("store down");
            }
            return "built";
        });
        assertThat(builds).hasValue(0);
        assertThatThrownBy(lazy::get).hasMessage("store down");
        assertThat(lazy.get()).isEqualTo("built");
        assertThat(lazy.get()).isEqualTo("built");
        assertThat(builds).hasValue(2);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
