package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

@Command(name = "reset", header = "Clear a bucket: one user's, or (without --user) the provider's and all its users'.",
        description = {"Asks first on a terminal; elsewhere it needs --yes."})
final class RatelimitResetCommand extends ServiceCommand {
    @Parameters(paramLabel = "PROVIDER", description = "The provider.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, description = "Only this user's level.")
    String user;

    @Option(names = {"-y", "--yes"}, description = "Do not ask.")
    boolean yes;

    RatelimitResetCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        String name = RatelimitStatusCommand.knownProvider(services, provider);
        String what = user == null ? "every rate limit of " + name : "the rate limit of " + name + "/" + user;
        confirm(yes, "reset", what, what);
        long removed = services.rateLimitReset().reset(name, user);
        render(Map.of("provider", name, "user", user == null ? "" : user, "buckets_cleared", removed),
                out -> out.println("reset " + Printable.escape(what) + " (" + removed + " bucket" + (removed == 1 ? "" : "s") + " cleared)"));
        return 0;
    }
}
