package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;
import dev.integ.keys.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "init", header = "Create the master key (if a file and missing) and the data keyset; safe to run again.",
        description = {"Never overwrites: an existing keyset is checked against the master key and left as it is."})
final class KeysInitCommand implements Callable<Integer> {
    private final Services services;
    private final Terminal terminal;

    @Mixin
    KeysJobOptions job;

    KeysInitCommand(Services services, Terminal terminal) {
        this.services = services;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        KeyRotation.InitResult r = services.keyRotation(job.wait).init(job.dryRun);
        if (services.output() == Settings.Output.JSON) {
            terminal.printJson(r);
        } else if (!terminal.quiet()) {
            String would = r.dryRun() ? "would create " : "created ";
            terminal.out().println("master key:  " + r.master() + (r.masterCreated() ? " (" + would.trim() + ")" : ""));
            terminal.out().println("data keyset: " + (r.keysetCreated() ? would + "it" : "already set up")
                    + (r.primaryKey() == null ? "" : ", primary key " + r.primaryKey()));
            terminal.out().flush();
        }
        return 0;
    }
}
