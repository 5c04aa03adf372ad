package dev.integ.cli;

import dev.integ.Services;
import dev.integ.keys.DataKeys;
import dev.integ.vault.KeyRotation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;

@Command(name = "retire", header = "Retire an old data key that no record uses any more: mark it now, delete it after a grace period.",
        description = {"The first run marks the key retiring: it still decrypts, and no new record is sealed with it. "
                + "A run after the grace period (default 15m; --grace, INTEG_RETIRE_GRACE or vault.retire-grace) counts the records "
                + "again and deletes the key only if none uses it. Until then --cancel takes the mark back.",
                "",
                "Refuses while records are still encrypted under it (run 'integ keys rewrap' first), and refuses the primary key. "
                        + "For cron: 'keys rotate && keys rewrap && keys retire OLD' marks it; the next run deletes it."})
final class KeysRetireCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    @Parameters(paramLabel = "KEY_ID", description = "The key, as 'integ keys status' shows it (8 hex digits).")
    String keyId;

    @Option(names = "--grace", paramLabel = "DURATION",
            description = "How long a key stays retiring before it may be deleted (at least 2m). Default: INTEG_RETIRE_GRACE, vault.retire-grace, or 15m.")
    Duration grace;

    @Option(names = "--cancel", description = "Take back the retiring mark of a key that is not deleted yet.")
    boolean cancel;

    KeysRetireCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        KeyRotation rotation = services.keyRotation(job.wait);
        int id = DataKeys.parseId(keyId);
        KeyRotation.RetireResult r = cancel ? rotation.cancelRetire(id, job.dryRun)
                : rotation.retire(id, grace != null ? grace : services.settings().retireGrace(), job.dryRun);
        render(r, out -> out.println(sentence(r)));
        return 0;
    }

    private static String sentence(KeyRotation.RetireResult r) {
        String would = r.dryRun() ? "would be " : "";
        return switch (r.step()) {
            case MARKED -> "key " + r.key() + " " + (r.dryRun() ? "would be" : "is") + " retiring: it still decrypts; run 'integ keys retire "
                    + r.key() + "' again after " + CredentialRows.seconds(r.deletableAfter()) + " to delete it";
            case WAITING -> "key " + r.key() + " is retiring since " + CredentialRows.seconds(r.retiringSince()) + "; it can be deleted after "
                    + CredentialRows.seconds(r.deletableAfter());
            case DELETED -> "key " + r.key() + " " + would + "deleted: no record uses it";
            case CANCELLED -> "key " + r.key() + " " + (r.dryRun() ? "would be" : "is") + " no longer retiring";
        };
    }
}
