package dev.integ.cli;

import dev.integ.Services;
import dev.integ.vault.KeyRotation;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

@Command(name = "status", header = "Show the master key, every data key and how many records each still encrypts.")
final class KeysStatusCommand extends ServiceCommand {

    KeysStatusCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        KeyRotation.Status s = services.keyRotation(java.time.Duration.ZERO).status();
        if (json()) {
            terminal.printJson(s);
            return 0;
        }
        PrintWriter out = terminal.out();
        out.println("master key:    " + s.master());
        out.println("records:       " + s.records() + (s.unknownKeyRecords() > 0
                ? " (" + s.unknownKeyRecords() + " under no key of this keyset)" : ""));
        out.println("last rotation: " + (s.lastRotation() == null ? "never" : CredentialRows.seconds(s.lastRotation())));
        out.println();
        out.printf("%-10s %-9s %-8s %-24s %s%n", "KEY", "STATUS", "PRIMARY", "CREATED", "RECORDS");
        for (KeyRotation.KeyUse k : s.keys()) {
            out.printf("%-10s %-9s %-8s %-24s %d%n", k.id(), k.status(), k.primary() ? "yes" : "", k.created() == null ? "-" : CredentialRows.seconds(k.created()),
                    k.records());
        }
        out.flush();
        return 0;
    }
}
