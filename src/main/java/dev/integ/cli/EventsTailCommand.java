package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Durations;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;
import dev.integ.events.EventQuery;
import dev.integ.events.EventReader;
import dev.integ.store.RedisErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

@Command(name = "tail", header = "Print new security events as they arrive.",
        description = {"Blocking stream reads: an event appended by any process shows within milliseconds. When Redis "
                + "restarts or fails over, tail reconnects (backing off up to 5 s) and resumes after the last event it "
                + "printed that the log still has; an event it printed that a failover then lost (a write no replica had "
                + "confirmed) is named on stderr. Ctrl-C stops it cleanly; the last id is printed on stderr so --from-id can resume there."})
final class EventsTailCommand extends ServiceCommand {
    @Option(names = "--from-id", paramLabel = "ID", description = "Start after this stream id (default: after the newest event).")
    String fromId;

    @Option(names = "--max-events", paramLabel = "N", defaultValue = "0", description = "Exit after N events (default: never).")
    long maxEvents;

    EventsTailCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        if (fromId != null && !fromId.matches("\\d+(-\\d+)?")) {
            throw IntegException.usage("invalid --from-id '" + Echo.of(fromId) + "'", "expected a stream id such as 1764237600000-0", null);
        }
        return follow(services, terminal, EventQuery.ALL, fromId, maxEvents);
    }

    /** Follows until Ctrl-C (a shutdown hook stops the loop and waits for it) or {@code maxEvents}. */
    static int follow(Services services, Terminal terminal, EventQuery filter, String fromId, long maxEvents) {
        EventReader reader = services.eventReader();
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicLong seen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopped.set(true);
            try {
                done.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "integ-events-tail-stop");
        boolean hooked = addHook(hook);
        String last;
        try {
            last = reader.tail(filter, fromId, e -> {
                EventsCommand.print(services, terminal, e);
                terminal.out().flush();
                seen.incrementAndGet();
            }, () -> stopped.get() || (maxEvents > 0 && seen.get() >= maxEvents), new Reconnects(terminal), EventReader.Pause.SLEEP);
        } finally {
            done.countDown();
            if (hooked && !stopped.get()) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running
                }
            }
        }
        terminal.out().flush();
        if (stopped.get() && last != null) {
            terminal.err().println("integ: stopped after event " + last + " (resume with --from-id " + last + ")");
            terminal.err().flush();
        }
        return 0;
    }

    /** Says on stderr when the store is lost, and which printed events a failover then took back. */
    private record Reconnects(Terminal terminal) implements EventReader.TailListener {
        @Override
        public void disconnected(RuntimeException cause, Duration wait) {
            terminal.warning("lost the store (" + RedisErrors.plain(cause.getMessage()) + "); reconnecting in " + Durations.format(wait));
        }

        @Override
        public void withdrawn(String id) {
            terminal.warning("event " + id + " printed above is no longer in the log: the primary that took it lost it in a failover"
                    + " before a replica had it (with replica acknowledgement on, the command that wrote it did not exit 0)");
        }
    }

    private static boolean addHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }
}
