package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;
import dev.integ.keys.KeyRotation;
import dev.integ.keys.KeysetFileMasterKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "rotate-master", header = "Re-encrypt the data keyset under a new master key (for a leaked or expiring one).",
        description = {"Creates the new master key file if it does not exist. Records are not touched: they are encrypted "
                + "under the data keys, which stay the same.",
                "Afterwards every machine and job must use the new file (INTEG_MASTER_KEY_FILE or vault.master-key-file); "
                + "destroy the old one once they do."})
final class KeysRotateMasterCommand implements Callable<Integer> {
    private final Services services;
    private final Terminal terminal;

    @Mixin
    KeysJobOptions job;

    @Option(names = "--new-master-key-file", paramLabel = "FILE", required = true,
            description = "Where the new master key is (created 0600 if missing).")
    Path newFile;

    KeysRotateMasterCommand(Services services, Terminal terminal) {
        this.services = services;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        KeyRotation.RotateMasterResult r = services.keyRotation(job.wait)
                .rotateMaster(new KeysetFileMasterKey(newFile, "--new-master-key-file"), job.dryRun);
        if (services.output() == Settings.Output.JSON) {
            terminal.printJson(r);
        } else if (!terminal.quiet()) {
            terminal.out().println((r.dryRun() ? "would re-encrypt" : "re-encrypted") + " the data keyset: " + r.from() + " -> " + r.to());
            if (!r.dryRun()) {
                terminal.out().println("now set INTEG_MASTER_KEY_FILE (or vault.master-key-file) to " + newFile.toAbsolutePath()
                        + " wherever integ runs");
            }
            terminal.out().flush();
        }
        return 0;
    }
}
