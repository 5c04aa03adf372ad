package dev.integ.cli;

import dev.integ.Services;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKeyRotation;
import dev.integ.keys.MasterKeyRotation.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

@Command(name = "rotate-master", header = "Re-encrypt every namespace's data keyset under a new master key (for a leaked or expiring one).",
        description = {"Every namespace on this Redis server sealed by the master key (its data keyset opens with it) moves together, "
                + "with its event HMAC key, each under its own 'keys' lock; each one moved is named. If one is busy with another "
                + "'keys' job, none moves and it is named (exit 4). Namespaces under other master keys are left alone.",
                "Without --new-master-key-file the configured key file is replaced in place: the old key is first kept as FILE.previous "
                        + "(0600), then the new key (written as FILE.next) replaces FILE, then every namespace is re-encrypted and read back "
                        + "under it. While FILE.previous exists, whatever is still under it (a namespace on another Redis server, which this "
                        + "command cannot see, or one a killed run did not reach) moves to the new key on its next command; running this "
                        + "again against a server finishes the rotation there without rotating again. Delete FILE.previous (or pass "
                        + "--delete-previous) once no server needs it; until then a new in-place rotation is refused.",
                "With --new-master-key-file the new key goes to that file (created 0600 if missing), and every machine and job using "
                        + "the namespaces moved must then use it (INTEG_MASTER_KEY_FILE or vault.master-key-file); --only-namespace moves "
                        + "only some of them there.",
                "Records are not touched: they are encrypted under the data keys, which stay the same. "
                        + "Other machines with a copy of the old key file need the new one."})
final class KeysRotateMasterCommand extends ServiceCommand {

    @Mixin
    KeysJobOptions job;

    @Option(names = "--new-master-key-file", paramLabel = "FILE",
            description = "Where the new master key is (created 0600 if missing). Default: replace the current key file in place.")
    Path newFile;

    @Option(names = "--only-namespace", paramLabel = "NS", split = ",",
            description = "With --new-master-key-file: move only these namespaces (repeat or separate with commas); the others stay "
                    + "under the current key. Default: every namespace on the server sealed by the current key.")
    List<String> only = List.of();

    @Option(names = "--delete-previous",
            description = "In place: delete FILE.previous once every namespace is confirmed under the new key. Only when no namespace "
                    + "on another Redis server uses this key file (they could no longer be read).")
    boolean deletePrevious;

    KeysRotateMasterCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        MasterKeyRotation.Result r = services.masterKeyRotation(job.wait).rotate(
                Optional.ofNullable(newFile).map(f -> new KeysetFileMasterKey(f, "--new-master-key-file")), new LinkedHashSet<>(only),
                deletePrevious, job.dryRun);
        render(r, out -> table(r, out));
        if (!r.dryRun()) {
            warnAboutOtherServers(r);
        }
        return 0;
    }

    private void table(MasterKeyRotation.Result r, PrintWriter out) {
        if (r.mode() == Mode.FINISH) {
            out.println((r.dryRun() ? "would finish" : "finished") + " the in-place rotation of " + r.to()
                    + ": what was still under the previous key moves to it");
        }
        for (MasterKeyRotation.NamespaceResult n : r.namespaces()) {
            if (!n.moved().isEmpty()) {
                out.println((r.dryRun() ? "would move" : "moved") + " namespace " + n.namespace() + " to " + r.to() + ": "
                        + String.join(", ", n.moved()));
            } else {
                out.println("namespace " + n.namespace() + " was already under " + r.to());
            }
        }
        if (!r.left().isEmpty()) {
            out.println("left under " + r.from() + ": " + String.join(", ", r.left()));
        }
        if (r.dryRun()) {
            return;
        }
        out.println("confirmed: every namespace above opens with " + (r.mode() == Mode.MOVE ? r.to() : "the key in " + r.from()));
        if (r.previousKey() != null) {
            out.println("the previous key is kept in " + r.previousKey() + " (0600)");
        } else if (r.previousDeleted()) {
            out.println("the previous key was deleted");
        }
        if (r.mode() == Mode.MOVE) {
            out.println("now set INTEG_MASTER_KEY_FILE (or vault.master-key-file) to " + newFile.toAbsolutePath()
                    + " wherever integ runs for namespace" + (r.namespaces().size() == 1 ? " " : "s ")
                    + String.join(", ", r.namespaces().stream().map(MasterKeyRotation.NamespaceResult::namespace).toList()));
        }
    }

    /** This server is all the command sees: say so, and what keeps the others readable. */
    private void warnAboutOtherServers(MasterKeyRotation.Result r) {
        if (r.mode() == Mode.MOVE) {
            terminal.warning("namespaces on other Redis servers sealed by " + r.from() + " were not seen; they stay under it");
        } else if (r.previousDeleted()) {
            terminal.warning("namespaces on other Redis servers that were sealed by the previous key were not seen, "
                    + "and can no longer be read: restore the previous key from a backup if there are any");
        } else {
            terminal.warning("namespaces on other Redis servers that share this key file were not seen: each moves to the new key on its "
                    + "next command while " + r.previousKey() + " is kept, or run 'integ --redis URL keys rotate-master' against that server; "
                    + "delete " + r.previousKey() + " once none needs it. Machines with their own copy of the key file need the new one.");
        }
    }
}
