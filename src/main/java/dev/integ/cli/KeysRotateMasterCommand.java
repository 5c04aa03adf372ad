package dev.integ.cli;

import dev.integ.Services;
import dev.integ.keys.KeyRotation;
import dev.integ.keys.KeysetFileMasterKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "rotate-master", header = "Re-encrypt the data keyset under a new master key (for a leaked or expiring one).",
        description = {"Without --new-master-key-file the configured key file is replaced in place by a new key (the new "
                + "key waits in FILE.next until the keyset is encrypted under it; an interrupted run is finished by the next command). "
                + "With it, the new key goes to that file (created 0600 if missing), and every machine and job must then use it "
                + "(INTEG_MASTER_KEY_FILE or vault.master-key-file).",
                "Records are not touched: they are encrypted under the data keys, which stay the same. "
                        + "Other machines with a copy of the old key file need the new one."})
final class KeysRotateMasterCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    @Option(names = "--new-master-key-file", paramLabel = "FILE",
            description = "Where the new master key is (created 0600 if missing). Default: replace the current key file in place.")
    Path newFile;

    KeysRotateMasterCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        KeyRotation.RotateMasterResult r = services.keyRotation(job.wait)
                .rotateMaster(java.util.Optional.ofNullable(newFile).map(f -> new KeysetFileMasterKey(f, "--new-master-key-file")), job.dryRun);
        render(r, out -> {
            out.println((r.dryRun() ? "would re-encrypt" : "re-encrypted") + " the data keyset: " + r.from() + " -> " + r.to());
            if (!r.dryRun() && newFile != null) {
                out.println("now set INTEG_MASTER_KEY_FILE (or vault.master-key-file) to " + newFile.toAbsolutePath()
                        + " wherever integ runs");
            }
        });
        return 0;
    }
}
