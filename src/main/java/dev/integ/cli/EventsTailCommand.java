package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Echo;
import dev.integ.events.EventQuery;
import dev.integ.events.EventReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

@Command(name = "tail", header = "Print new security events as they arrive.",
        description = {"Blocking stream reads: an event appended by any process shows within milliseconds. When Redis "
                + "restarts or fails over, tail reconnects (backing off up to 5 s) and resumes after the last event it "
                + "printed. Ctrl-C stops it cleanly; the last id is printed on stderr so --from-id can resume there."})
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
            throw dev.integ.core.IntegException.usage("invalid --from-id '" + Echo.of(fromId) + "'", "expected a stream id such as 1764237600000-0", null);
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
            }, () -> stopped.get() || (maxEvents > 0 && seen.get() >= maxEvents),
                    (cause, wait) -> terminal.warning("lost the store (" + cause.getMessage() + "); reconnecting in "
                            + dev.integ.core.Durations.format(wait)), EventReader.Pause.SLEEP);
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

    private static boolean addHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }
}
