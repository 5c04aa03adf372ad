package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

@Command(name = "forget", header = "Delete a stored credential locally, without telling the provider.",
        description = {"The token stays valid at the provider until it expires; 'integ revoke' (coming) ends it there too.",
                "Asks first on a terminal; elsewhere (cron, scripts) it needs --yes."})
final class ForgetCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", description = "The provider of the credential.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "Whose credential.")
    String user;

    @Option(names = {"-y", "--yes"}, description = "Do not ask.")
    boolean yes;

    ForgetCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        provider = storedProvider(provider, user);
        String name = provider + "/" + user;
        services.vault().forget(provider, user, () -> confirm(yes, "delete", "the stored credential " + name, name));
        render(Map.of("forgotten", name), out -> {
            out.println("forgot " + Printable.escape(name));
        });
        return 0;
    }
}
