package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Printable;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialVault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;

@Command(name = "show", header = "Show one credential's metadata (never its secrets), after verifying it.")
final class ShowCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", description = "slack, google, jira, or a provider from the config file.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "Whose credential.")
    String user;

    ShowCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        provider = storedProvider(provider, user);
        CredentialVault vault = services.vault();
        Credential c = vault.read(provider, user).map(CredentialVault.Opened::credential)
                .orElseThrow(() -> CredentialVault.notStored(provider, user));
        Instant now = vault.clock().instant();
        Map<String, Object> fields = CredentialRows.json(c, now);
        if (json()) {
            terminal.printJson(fields);
        } else {
            fields.forEach((name, value) -> terminal.out().printf("%-19s %s%n", name, Printable.escape(text(value))));
            terminal.out().flush();
        }
        return 0;
    }

    /** A field's value in a two-column listing: "-" for none, lists space-separated, times to the second. */
    static String text(Object value) {
        if (value == null) {
            return "-";
        }
        if (value instanceof Instant t) {
            return CredentialRows.seconds(t);
        }
        if (value instanceof Collection<?> list) {
            return list.isEmpty() ? "-" : String.join(" ", list.stream().map(String::valueOf).toList());
        }
        if (value instanceof Map<?, ?> map) {
            return map.isEmpty() ? "-" : map.toString().replaceAll("^\\{|\\}$", "");
        }
        return String.valueOf(value);
    }
}
