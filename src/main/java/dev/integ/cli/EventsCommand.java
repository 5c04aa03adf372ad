package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;
import dev.integ.core.Printable;
import dev.integ.events.EventQuery;
import dev.integ.events.StoredEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

@Command(name = "events", header = "Query the security event log (users appear only as keyed HMACs).",
        description = {"Every sensitive action is recorded in a Redis Stream per namespace: time, action, result, provider, "
                + "the user's keyed HMAC (never the name), the OS user@host that ran integ, a correlation id per invocation "
                + "and details without secrets. --user NAME computes the HMAC, so events can be searched by name.",
                "A table by default; -o json prints JSON lines, one event per line, for jq."},
        subcommands = {EventsTailCommand.class, EventsStatsCommand.class, EventsHashUserCommand.class, EventsCheckCommand.class,
                EventsVerifyCommand.class})
final class EventsCommand extends ServiceCommand {
    static final String HEADER = String.format("%-24s %-24s %-7s %-10s %-12s %-20s %s",
            "TIME", "ACTION", "RESULT", "PROVIDER", "USER HMAC", "ACTOR", "DETAILS");

    @Option(names = "--provider", paramLabel = "NAME", description = "Only this provider's events.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, description = "Only this user's events (matched by HMAC).")
    String user;

    @Option(names = "--action", paramLabel = "ACTION", description = "Only this action, or a prefix ending in '.' or '*' (keys.).")
    String action;

    @Option(names = "--result", paramLabel = "RESULT", description = "Only success or failure.")
    String result;

    @Option(names = "--since", paramLabel = "WHEN", description = "From this time: a duration back (1h, 7d) or ISO-8601 (2026-11-27T10:00Z).")
    String since;

    @Option(names = "--until", paramLabel = "WHEN", description = "Up to this time, same forms as --since.")
    String until;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "At most N events (default: all).")
    int limit;

    @Option(names = "--reverse", description = "Newest first.")
    boolean reverse;

    @Option(names = "--alerts", description = "Only alerts (alert.* events).")
    boolean alerts;

    @Option(names = "--follow", description = "Follow new events as they arrive, like 'events tail' (with these filters).")
    boolean follow;

    EventsCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    EventQuery query() {
        return new EventQuery(provider, user, action, result, EventQuery.parseTime(since, services.clock(), "--since"),
                EventQuery.parseTime(until, services.clock(), "--until"), limit, reverse, alerts);
    }

    @Override
    public Integer call() {
        EventQuery q = query();
        if (follow) {
            return EventsTailCommand.follow(services, terminal, q, null, 0);
        }
        boolean[] headed = {false};
        services.eventReader().query(q, e -> {
            if (!json() && !headed[0] && !terminal.quiet()) {
                terminal.out().println(HEADER);
                headed[0] = true;
            }
            print(services, terminal, e);
        });
        if (!json() && !headed[0] && !terminal.quiet()) {
            terminal.out().println(HEADER);
        }
        terminal.out().flush();
        return 0;
    }

    /** One event: a JSON line with -o json, else a table row (unless -q). */
    static void print(Services services, Terminal terminal, StoredEvent e) {
        PrintWriter out = terminal.out();
        if (services.output() == Settings.Output.JSON) {
            try {
                e.writeJson(out);
            } catch (IOException cannotHappen) {
                throw new IllegalStateException("a PrintWriter does not throw", cannotHappen);
            }
            out.println();
        } else if (!terminal.quiet()) {
            out.println(row(e));
        }
    }

    static String row(StoredEvent e) {
        // every field is escaped: whoever can write to Redis can put any bytes in an event
        String details = e.details().entrySet().stream().map(d -> d.getKey() + "=" + d.getValue()).collect(Collectors.joining(" "));
        return String.format("%-24s %-24s %-7s %-10s %-12s %-20s %s", Printable.escape(e.time()), Printable.escape(e.action()), Printable.escape(e.result()),
                e.provider().isEmpty() ? "-" : Printable.escape(e.provider()),
                e.userHmac().isEmpty() ? "-" : Printable.escape(e.userHmac().substring(0, Math.min(12, e.userHmac().length()))),
                Printable.escape(e.actor()), Printable.escape(details)).stripTrailing();
    }

    static Map<String, Object> counts(Map<String, Long> m) {
        return new TreeMap<>(m);
    }
}
