package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;
import dev.integ.keys.DataKeys;
import dev.integ.keys.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "retire", header = "Disable, then remove, an old data key that no record uses any more.",
        description = {"Refuses while records are still encrypted under it (run 'integ keys rewrap' first), and refuses the primary key."})
final class KeysRetireCommand implements Callable<Integer> {
    private final Services services;
    private final Terminal terminal;

    @Mixin
    KeysJobOptions job;

    @Parameters(paramLabel = "KEY_ID", description = "The key, as 'integ keys status' shows it (8 hex digits).")
    String keyId;

    KeysRetireCommand(Services services, Terminal terminal) {
        this.services = services;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        KeyRotation.RetireResult r = services.keyRotation(job.wait).retire(DataKeys.parseId(keyId), job.dryRun);
        if (services.output() == Settings.Output.JSON) {
            terminal.printJson(r);
        } else if (!terminal.quiet()) {
            terminal.out().println((r.dryRun() ? "would retire key " : "retired key ") + r.key());
            terminal.out().flush();
        }
        return 0;
    }
}
