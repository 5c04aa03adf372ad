package dev.integ.cli;

import dev.integ.Services;
import dev.integ.store.EmbeddedRedis;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "start", header = "Start the embedded store now (commands also start it on demand).")
final class StoreStartCommand extends ServiceCommand {

    StoreStartCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        EmbeddedRedis.Endpoint endpoint = services.storeAdmin().start();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("running", true);
        doc.put("address", endpoint.socket().toString());
        doc.put("pid", endpoint.pid());
        render(doc, out -> out.println("embedded store running at " + doc.get("address") + " (pid " + endpoint.pid() + ")"));
        return 0;
    }
}
