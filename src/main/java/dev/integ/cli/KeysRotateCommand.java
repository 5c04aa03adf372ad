package dev.integ.cli;

import dev.integ.Services;
import dev.integ.vault.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "rotate", header = "Add a new primary data key; new writes use it, old records stay readable.",
        description = {"Follow with 'integ keys rewrap' to move existing records to the new key."})
final class KeysRotateCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    KeysRotateCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        KeyRotation.RotateResult r = services.keyRotation(job.wait).rotate(job.dryRun);
        render(r, out -> {
            out.println(r.dryRun() ? "would add a new primary key (now " + r.previousPrimary() + ")"
                    : "new primary key " + r.newPrimary() + " (was " + r.previousPrimary() + "); run 'integ keys rewrap' next");
        });
        return 0;
    }
}
