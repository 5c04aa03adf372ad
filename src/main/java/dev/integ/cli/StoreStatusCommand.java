package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Printable;
import dev.integ.store.StoreAdmin;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

@Command(name = "status", header = "Show which store is in use and how it is doing.",
        description = {"Never starts the embedded store: when it is not running, says so and exits 0."})
final class StoreStatusCommand extends ServiceCommand {

    StoreStatusCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        StoreAdmin.Status status = services.storeAdmin().status();
        if (json()) {
            terminal.printJson(status);
            return 0;
        }
        PrintWriter out = terminal.out();
        row(out, "store", status.kind() + (status.running() ? "" : " (not running; it starts on the next command that needs it)"));
        row(out, "address", status.address());
        row(out, "from", status.source());
        row(out, "data", status.dataDir());
        row(out, "pid", status.pid());
        row(out, "redis", status.redisVersion());
        row(out, "uptime", status.uptimeSeconds() == null ? null
                : dev.integ.core.Durations.format(java.time.Duration.ofSeconds(status.uptimeSeconds())));
        row(out, "keys", status.keys());
        row(out, "memory", status.usedMemory());
        out.flush();
        return 0;
    }

    private static void row(PrintWriter out, String name, Object value) {
        if (value != null) {
            out.printf("%-8s %s%n", name, Printable.escape(String.valueOf(value)));
        }
    }
}
