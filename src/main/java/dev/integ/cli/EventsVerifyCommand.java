package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.ExitCode;
import dev.integ.events.ChainVerifier;
import dev.integ.events.EventQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "verify", header = "For cron: check that nothing was deleted, altered or replaced in the event log.",
        description = {"Walks the chained log: every event's sequence number and MAC (over the previous event's MAC and all "
                + "its fields), the head key and the checkpoints of events.anchor-file. Reports each gap (deleted events), "
                + "altered event, restarted chain (the log deleted or replaced), and each trimmed range no events.trimmed "
                + "event records. Exit code 0: clean; 1: findings; 4: the store is unreachable; 5: the chain key cannot be "
                + "decrypted."})
final class EventsVerifyCommand extends ServiceCommand {
    @Option(names = "--since", paramLabel = "WHEN",
            description = "From this time only (a duration back, 7d, or ISO-8601); default: the whole log.")
    String since;

    EventsVerifyCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        Instant from = EventQuery.parseTime(since, services.clock(), "--since");
        ChainVerifier.Report r = services.chainVerifier().verify(from);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", 1);
        doc.put("namespace", r.namespace());
        doc.put("clean", r.clean());
        doc.put("since", r.since() == null ? null : r.since().toString());
        doc.put("checked", r.checked());
        doc.put("first_seq", r.firstSeq() < 0 ? null : r.firstSeq());
        doc.put("last_seq", r.lastSeq() < 0 ? null : r.lastSeq());
        doc.put("first_id", r.firstId());
        doc.put("last_id", r.lastId());
        doc.put("head_seq", r.headSeq() < 0 ? null : r.headSeq());
        doc.put("anchors", r.anchors());
        doc.put("legacy_events", r.legacyEvents());
        doc.put("findings", r.findings().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", f.kind());
            m.put("first_seq", f.firstSeq() < 0 ? null : f.firstSeq());
            m.put("last_seq", f.lastSeq() < 0 ? null : f.lastSeq());
            m.put("first_id", f.firstId().isEmpty() ? null : f.firstId());
            m.put("last_id", f.lastId().isEmpty() ? null : f.lastId());
            m.put("count", f.count());
            m.put("detail", f.detail());
            return m;
        }).toList());
        render(doc, out -> {
            String span = r.checked() == 0 ? "" : " (seq " + r.firstSeq() + ".." + r.lastSeq() + ", ids " + r.firstId() + " .. " + r.lastId() + ")";
            if (r.clean()) {
                out.printf("OK: %d events verified%s; head at seq %s; %d anchor checkpoints; %d events from before the chain%n",
                        r.checked(), span, r.headSeq() < 0 ? "-" : Long.toString(r.headSeq()), r.anchors(), r.legacyEvents());
                return;
            }
            out.printf("FAILED: %d finding%s in %d events%s%n", r.findings().size(), r.findings().size() == 1 ? "" : "s", r.checked(), span);
            out.printf("%-15s %-17s %-8s %s%n", "KIND", "SEQ", "COUNT", "DETAIL");
            for (ChainVerifier.Finding f : r.findings()) {
                String seqs = f.firstSeq() < 0 ? "-" : f.firstSeq() == f.lastSeq() ? Long.toString(f.firstSeq()) : f.firstSeq() + ".." + f.lastSeq();
                String ids = f.firstId().isEmpty() && f.lastId().isEmpty() ? "" : " [" + f.firstId() + (f.lastId().equals(f.firstId()) ? "" : " .. " + f.lastId()) + "]";
                out.printf("%-15s %-17s %-8d %s%s%n", f.kind(), seqs, f.count(), f.detail(), ids);
            }
        });
        return r.clean() ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }
}
