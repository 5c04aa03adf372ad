package dev.integ.cli;

import dev.integ.Services;
import dev.integ.oauth.AccessTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "token", header = "Print a valid access token on stdout, refreshing it first if it expires soon.",
        description = {"For scripts: curl -H \"Authorization: Bearer $(integ token slack --user alice)\" ...",
                "stdout carries the token and nothing else; -o json prints it with its expiry and scopes. "
                        + "When several processes ask at once, exactly one refreshes and the others use its result.",
                "If the refresh fails for now (provider outage, rate limit) and the current token has not expired yet, "
                        + "it is printed anyway with a warning on stderr.",
                "Every read is recorded in the security event log (without the token)."})
final class TokenCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", description = "The provider of the credential.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "Whose credential.")
    String user;

    @Option(names = "--min-valid", paramLabel = "DURATION", defaultValue = "5m",
            description = "Refresh first when the token expires within this (default: ${DEFAULT-VALUE}).")
    Duration minValid;

    TokenCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        // a fresh imported token needs no provider settings; a refresh will ask for them
        String name = storedProvider(provider, user);
        AccessTokens.Fresh fresh = services.accessTokens().token(name, user, minValid);
        if (fresh.warning() != null) {
            terminal.warning(fresh.warning());
        }
        if (json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("access_token", fresh.secrets().revealAccessToken());
            doc.put("expires_at", fresh.credential().expiresAt());
            doc.put("scopes", fresh.credential().scopes());
            doc.put("refreshed", fresh.refreshed());
            terminal.printJson(doc);
        } else {
            // printed even with -q: the token is the whole point of the command
            terminal.out().println(fresh.secrets().revealAccessToken());
            terminal.out().flush();
        }
        return 0;
    }
}
