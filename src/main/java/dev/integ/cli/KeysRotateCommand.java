package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;
import dev.integ.keys.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "rotate", header = "Add a new primary data key; new writes use it, old records stay readable.",
        description = {"Follow with 'integ keys rewrap' to move existing records to the new key."})
final class KeysRotateCommand implements Callable<Integer> {
    private final Services services;
    private final Terminal terminal;

    @Mixin
    KeysJobOptions job;

    KeysRotateCommand(Services services, Terminal terminal) {
        this.services = services;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        KeyRotation.RotateResult r = services.keyRotation(job.wait).rotate(job.dryRun);
        if (services.output() == Settings.Output.JSON) {
            terminal.printJson(r);
        } else if (!terminal.quiet()) {
            terminal.out().println(r.dryRun() ? "would add a new primary key (now " + r.previousPrimary() + ")"
                    : "new primary key " + r.newPrimary() + " (was " + r.previousPrimary() + "); run 'integ keys rewrap' next");
            terminal.out().flush();
        }
        return 0;
    }
}
