package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Settings;
import dev.integ.store.EmbeddedRedis;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "start", header = "Start the embedded store now (commands also start it on demand).")
final class StoreStartCommand implements Callable<Integer> {
    private final Services services;
    private final Terminal terminal;

    StoreStartCommand(Services services, Terminal terminal) {
        this.services = services;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        EmbeddedRedis.Endpoint endpoint = services.storeAdmin().start();
        if (services.output() == Settings.Output.JSON) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("running", true);
            doc.put("address", endpoint.host() + ":" + endpoint.port());
            doc.put("pid", endpoint.pid());
            terminal.printJson(doc);
        } else if (!terminal.quiet()) {
            terminal.out().println("embedded store running at " + endpoint.host() + ":" + endpoint.port() + " (pid " + endpoint.pid() + ")");
            terminal.out().flush();
        }
        return 0;
    }
}
