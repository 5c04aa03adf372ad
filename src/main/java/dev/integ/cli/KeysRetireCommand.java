package dev.integ.cli;

import dev.integ.Services;
import dev.integ.keys.DataKeys;
import dev.integ.keys.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "retire", header = "Disable, then remove, an old data key that no record uses any more.",
        description = {"Refuses while records are still encrypted under it (run 'integ keys rewrap' first), and refuses the primary key."})
final class KeysRetireCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    @Parameters(paramLabel = "KEY_ID", description = "The key, as 'integ keys status' shows it (8 hex digits).")
    String keyId;

    KeysRetireCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        KeyRotation.RetireResult r = services.keyRotation(job.wait).retire(DataKeys.parseId(keyId), job.dryRun);
        render(r, out -> {
            out.println((r.dryRun() ? "would retire key " : "retired key ") + r.key());
        });
        return 0;
    }
}
