package dev.integ.cli;

import dev.integ.Services;
import dev.integ.store.EmbeddedRedis;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

@Command(name = "stop", header = "Stop the embedded store; its data stays on disk for the next start.")
final class StoreStopCommand extends ServiceCommand {

    StoreStopCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        Optional<EmbeddedRedis.Endpoint> stopped = services.storeAdmin().stop();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("stopped", stopped.isPresent());
        doc.put("pid", stopped.map(EmbeddedRedis.Endpoint::pid).orElse(null));
        render(doc, out -> out.println(stopped.map(e -> "stopped the embedded store (pid " + e.pid() + ")")
                .orElse("the embedded store was not running")));
        return 0;
    }
}
