package dev.integ.oauth;

import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.testing.fakes.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** How the rejected callbacks of one sign-in become events: the first at once, then at most one per interval, then a summary. */
class RejectedCallbacksTest {
    private static final CallbackOutcome.Rejected WRONG_STATE = new CallbackOutcome.Rejected("state does not match this sign-in");
    private static final CallbackOutcome.Rejected NO_STATE = new CallbackOutcome.Rejected("the answer has no state");

    private final MutableClock clock = new MutableClock();
    private final List<SecurityEvent> recorded = new CopyOnWriteArrayList<>();
    private final RejectedCallbacks rejected = new RejectedCallbacks(recorded::add, "acme", "gina", clock);

    @Test
    void theFirstIsRecordedAtOnceAndABurstOnlyCounts() {
        rejected.accept(WRONG_STATE);
        assertThat(recorded).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo("state.mismatch");
            assertThat(e.result()).isEqualTo(SecurityEvent.FAILURE);
            assertThat(e.provider()).isEqualTo("acme");
            assertThat(e.user()).isEqualTo("gina");
            assertThat(e.details()).containsEntry("count", "1").containsEntry("reason", "state does not match this sign-in")
                    .containsEntry("first", clock.instant().toString()).containsEntry("last", clock.instant().toString());
        });

        for (int i = 0; i < 999; i++) {
            rejected.accept(WRONG_STATE);
        }
        clock.advance(Duration.ofSeconds(3));
        rejected.accept(NO_STATE);
        assertThat(recorded).hasSize(1);
        assertThat(rejected.count()).isEqualTo(1001);
    }

    @Test
    void whileItGoesOnAtMostOneEventPerIntervalCarriesTheRunningTotals() {
        var start = clock.instant();
        for (int second = 0; second < 60; second++) {
            for (int i = 0; i < 100; i++) {
                rejected.accept(WRONG_STATE);
            }
            clock.advance(Duration.ofSeconds(1));
        }
        // at 0 s, 10 s, ... 50 s: one per interval
        assertThat(recorded).hasSize((int) (Duration.ofSeconds(60).toMillis() / RejectedCallbacks.INTERVAL.toMillis()));
        assertThat(recorded).extracting(e -> Long.parseLong(e.details().get("count"))).containsExactly(1L, 1001L, 2001L, 3001L, 4001L, 5001L);
        assertThat(recorded).allSatisfy(e -> assertThat(e.details()).containsEntry("first", start.toString()));

        rejected.finish();
        assertThat(recorded).hasSize(7).last().satisfies(e -> assertThat(e.details())
                .containsEntry("count", "6000")
                .containsEntry("first", start.toString())
                .containsEntry("last", start.plusSeconds(59).toString())
                .containsEntry("reasons", "state does not match this sign-in: 6000"));
    }

    @Test
    void theSummaryIsLeftOutWhenTheLastEventSaidItAll() {
        rejected.accept(NO_STATE);
        rejected.finish();
        assertThat(recorded).hasSize(1);

        clock.advance(RejectedCallbacks.INTERVAL);
        rejected.accept(WRONG_STATE);
        rejected.finish();
        assertThat(recorded).as("after the sign-in ended, nothing more is written").hasSize(1);
    }

    @Test
    void nothingRejectedNothingRecorded() {
        rejected.finish();
        assertThat(recorded).isEmpty();
    }

    @Test
    void theSummaryNamesEveryReasonWithItsCount() {
        rejected.accept(NO_STATE);
        rejected.accept(WRONG_STATE);
        rejected.accept(WRONG_STATE);
        rejected.finish();
        assertThat(recorded).last().satisfies(e -> assertThat(e.details())
                .containsEntry("reason", "the answer has no state")
                .containsEntry("reasons", "state does not match this sign-in: 2; the answer has no state: 1"));
    }

    @Test
    void aLogThatCannotBeWrittenIsTriedOncePerIntervalNotOncePerRequest() {
        List<SecurityEvent> attempts = new ArrayList<>();
        EventLog down = event -> {
            attempts.add(event);
            throw IntegException.retryLater("cannot write the security event log", "Redis is unreachable", null, null);
        };
        RejectedCallbacks quiet = new RejectedCallbacks(down, "acme", "gina", clock);
        for (int i = 0; i < 10_000; i++) {
            quiet.accept(WRONG_STATE);
        }
        assertThat(attempts).hasSize(1);
        quiet.finish();
        assertThat(attempts).as("the summary is still tried: the first event was not written").hasSize(2)
                .last().satisfies(e -> assertThat(e.details()).containsEntry("count", "10000"));
    }

    @Test
    void manyThreadsAtOnceCountEveryRequestAndWriteOneEvent() throws Exception {
        int threads = 8;
        int each = 20_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    rejected.accept(WRONG_STATE);
                }
            });
            thread.start();
            all.add(thread);
        }
        go.countDown();
        for (Thread thread : all) {
            thread.join();
        }
        rejected.finish();
        assertThat(recorded).hasSize(2).last().satisfies(e -> assertThat(e.details()).containsEntry("count", Integer.toString(threads * each)));
    }
}
