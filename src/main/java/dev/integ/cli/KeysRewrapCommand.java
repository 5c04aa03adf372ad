package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.ExitCode;
import dev.integ.keys.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "rewrap", header = "Re-encrypt every record under the primary key; resumable, safe beside live writes.",
        description = {"Records already under the primary key are skipped, so a run that was interrupted simply runs again. "
                + "Each write is a compare-and-set on the record's version: a refresh that lands meanwhile wins.",
                "Records that fail verification are counted and named, never changed; the exit code is then 5."})
final class KeysRewrapCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    KeysRewrapCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        KeyRotation.RewrapResult r = services.keyRotation(job.wait).rewrap(job.dryRun, terminal.progress("rewrap"));
        terminal.progressDone();
        if (json()) {
            terminal.printJson(r);
        } else if (!terminal.quiet() || r.damaged() > 0) {
            terminal.out().printf("%s %d of %d records under primary key %s; %d already were, %d changed meanwhile (left to their writer), %d damaged%n",
                    r.dryRun() ? "would rewrap" : "rewrapped", r.rewrapped(), r.scanned(), r.primaryKey(), r.alreadyCurrent(), r.raced(),
                    r.damaged());
            terminal.out().flush();
        }
        for (String name : r.damagedNames()) {
            terminal.error("integrity failure: credential " + name + " was not rewrapped", null);
        }
        if (r.damaged() > 0) {
            terminal.error(r.damaged() + " damaged record" + (r.damaged() == 1 ? "" : "s") + " left as they were",
                    "'integ list' names them; restore them from a backup or connect the accounts again");
            return ExitCode.HUMAN_ACTION.code();
        }
        return 0;
    }
}
