package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Printable;
import dev.integ.events.EventQuery;
import dev.integ.events.EventReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "stats", header = "Count security events per action, result and provider.")
final class EventsStatsCommand extends ServiceCommand {
    @Option(names = "--since", paramLabel = "WHEN", defaultValue = "24h",
            description = "From this time: a duration back (default: ${DEFAULT-VALUE}) or ISO-8601.")
    String since;

    @Option(names = "--provider", paramLabel = "NAME", description = "Only this provider's events.")
    String provider;

    EventsStatsCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        EventQuery q = EventQuery.ALL.withSince(EventQuery.parseTime(since, services.clock(), "--since"));
        if (provider != null) {
            q = new EventQuery(provider, null, null, null, q.since(), null, 0, false, false);
        }
        EventReader.Stats s = services.eventReader().stats(q);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("since", s.since().toString());
        doc.put("total", s.total());
        doc.put("by_action", s.byAction());
        doc.put("by_result", s.byResult());
        doc.put("by_provider", s.byProvider());
        render(doc, out -> {
            out.printf("%d events since %s%n", s.total(), s.since());
            section(out, "ACTION", s.byAction());
            section(out, "RESULT", s.byResult());
            section(out, "PROVIDER", s.byProvider());
        });
        return 0;
    }

    private static void section(java.io.PrintWriter out, String title, Map<String, Long> counts) {
        out.println();
        out.printf("%-28s %s%n", title, "COUNT");
        counts.forEach((k, v) -> out.printf("%-28s %d%n", Printable.escape(k), v));
    }
}
