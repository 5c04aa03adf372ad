package dev.integ.cli;

import dev.integ.Services;
import dev.integ.vault.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "init", header = "Create the master key (if a file and missing) and the data keyset; safe to run again.",
        description = {"Never overwrites: an existing keyset is checked against the master key and left as it is."})
final class KeysInitCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    KeysInitCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        KeyRotation.InitResult r = services.keyRotation(job.wait).init(job.dryRun);
        render(r, out -> {
            String would = r.dryRun() ? "would create " : "created ";
            out.println("master key:  " + r.master() + (r.masterCreated() ? " (" + would.trim() + ")" : ""));
            out.println("data keyset: " + (r.keysetCreated() ? would + "it" : "already set up")
                    + (r.primaryKey() == null ? "" : ", primary key " + r.primaryKey()));
        });
        return 0;
    }
}
