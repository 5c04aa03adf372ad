package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.ExitCode;
import dev.integ.events.EventQuery;
import dev.integ.events.StoredEvent;
import dev.integ.providers.RefreshTokenForesight;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

@Command(name = "check", header = "For cron and monitoring: exit code 1 when alerts fired in the window.",
        description = {"Prints a summary of the alert.* events since --since (default 15m): none, or the count per rule "
                + "and each alert. Exit code 0: no alert; 1: alerts fired; 4: the store is unreachable.",
                "Also warns on stderr about each credential whose refresh token ends within 7 days (the exit code stays the alerts')."})
final class EventsCheckCommand extends ServiceCommand {
    @Option(names = "--since", paramLabel = "WHEN", defaultValue = "15m",
            description = "From this time: a duration back (default: ${DEFAULT-VALUE}) or ISO-8601.")
    String since;

    EventsCheckCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        EventQuery q = new EventQuery(null, null, null, null, EventQuery.parseTime(since, services.clock(), "--since"),
                null, 0, false, true);
        List<StoredEvent> alerts = new ArrayList<>();
        services.eventReader().query(q, alerts::add);
        Map<String, Long> byRule = new TreeMap<>();
        alerts.forEach(a -> byRule.merge(a.action(), 1L, Long::sum));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("since", q.since().toString());
        doc.put("alerts", alerts.size());
        doc.put("by_rule", byRule);
        doc.put("events", alerts.stream().map(StoredEvent::toJson).toList());
        // a warning, not an alert: the exit code stays the alerts' (null in JSON: this Redis user may not read credentials)
        Optional<List<RefreshTokenForesight.Dying>> dying = services.dyingCredentials(RefreshTokenForesight.WARN_WITHIN);
        Instant now = services.clock().instant();
        doc.put("expiring_credentials", dying.map(list -> list.stream().map(d -> Map.of("provider", d.credential().provider(),
                "user", d.credential().user(), "refresh_ends_at", d.ends().toString(), "refresh_keeps_alive", d.keepsAlive())).toList()).orElse(null));
        render(doc, out -> {
            if (alerts.isEmpty()) {
                out.printf("OK: no alerts since %s%n", q.since());
            } else {
                out.printf("ALERT: %d alert%s since %s: %s%n", alerts.size(), alerts.size() == 1 ? "" : "s", q.since(),
                        String.join(", ", byRule.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()));
                alerts.forEach(a -> out.println(EventsCommand.row(a)));
            }
        });
        dying.ifPresent(list -> list.forEach(d -> terminal.warning(d.describe(now))));
        return alerts.isEmpty() ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }
}
