package dev.integ.cli;

import dev.integ.Services;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Map;

@Command(name = "hash-user", header = "Print the keyed HMAC the event log stores for a user name.",
        description = {"For correlating integ's events with exported logs. The key is shared by every machine using "
                + "the store (kept in Redis, encrypted under the master key), so the HMAC is the same everywhere."})
final class EventsHashUserCommand extends ServiceCommand {
    @Parameters(paramLabel = "USER", converter = UserNameConverter.class, description = "The user name.")
    String user;

    EventsHashUserCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        String hmac = services.userHasher().hash(user);
        if (json()) {
            terminal.printJson(Map.of("user_hmac", hmac));
        } else {
            terminal.out().println(hmac);
            terminal.out().flush();
        }
        return 0;
    }
}
