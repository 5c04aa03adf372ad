package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.IntegException;
import dev.integ.vault.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "rewrap", header = "Re-encrypt every record under the primary key; resumable, safe beside live writes.",
        description = {"Records already under the primary key are skipped, so a run that was interrupted simply runs again. "
                + "Each write is a compare-and-set on the record's version: a refresh that lands meanwhile wins.",
                "Records that fail verification are left as they are, each named on stderr as it is found (and with -o json in "
                        + "damaged_records) and counted; the exit code is then 5."})
final class KeysRewrapCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    KeysRewrapCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        StreamedJson doc = json() ? new StreamedJson(terminal) : null;
        KeyRotation.RewrapResult r = services.keyRotation(job.wait).rewrap(job.dryRun, terminal.progress("rewrap"), damaged -> {
            terminal.progressDone();
            terminal.error(DamagedRecords.line(damaged, job.dryRun ? "it would not be rewrapped" : "not rewrapped, left as it was"), null);
            if (doc != null) {
                doc.add("damaged_records", DamagedRecords.json(damaged));
            }
        });
        terminal.progressDone();
        if (doc != null) {
            Map<String, Object> totals = new LinkedHashMap<>();
            totals.put("primary_key", r.primaryKey());
            totals.put("scanned", r.scanned());
            totals.put("rewrapped", r.rewrapped());
            totals.put("already_current", r.alreadyCurrent());
            totals.put("raced", r.raced());
            totals.put("damaged", r.damaged());
            totals.put("dry_run", r.dryRun());
            doc.finish(totals);
        } else if (!terminal.quiet() || r.damaged() > 0) {
            terminal.out().printf("%s %d of %d records under primary key %s; %d already were, %d changed meanwhile (left to their writer), %d damaged%n",
                    r.dryRun() ? "would rewrap" : "rewrapped", r.rewrapped(), r.scanned(), r.primaryKey(), r.alreadyCurrent(), r.raced(),
                    r.damaged());
            terminal.out().flush();
        }
        if (r.damaged() > 0) {
            throw IntegException.humanAction(DamagedRecords.count(r.damaged()) + " left as " + (r.damaged() == 1 ? "it was" : "they were")
                    + " (not rewrapped)", null, DamagedRecords.HINT);
        }
        return 0;
    }
}
