package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;
import dev.integ.store.EmbeddedRedis;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "stop", header = "Stop the embedded store; its data stays on disk for the next start.")
final class StoreStopCommand implements Callable<Integer> {
    private final Services services;
    private final Terminal terminal;

    StoreStopCommand(Services services, Terminal terminal) {
        this.services = services;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        Optional<EmbeddedRedis.Endpoint> stopped = services.storeAdmin().stop();
        if (services.output() == Settings.Output.JSON) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("stopped", stopped.isPresent());
            doc.put("pid", stopped.map(EmbeddedRedis.Endpoint::pid).orElse(null));
            terminal.printJson(doc);
        } else if (!terminal.quiet()) {
            terminal.out().println(stopped.map(e -> "stopped the embedded store (pid " + e.pid() + ")")
                    .orElse("the embedded store was not running"));
            terminal.out().flush();
        }
        return 0;
    }
}
