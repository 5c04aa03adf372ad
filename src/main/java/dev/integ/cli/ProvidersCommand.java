package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.Printable;
import dev.integ.providers.ProviderSpec;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@Command(name = "providers", header = "List the providers integ can connect to, and what each still needs.",
        description = {"Built in: slack, google (alias google_drive) and jira (alias atlassian). Custom OAuth 2.0 / OpenID Connect "
                + "providers come from 'providers:' in the config file; the same keys override the built-ins' defaults.",
                "READY says whether the client id and secret are set; otherwise it names the variables to set."},
        subcommands = ProvidersShowCommand.class)
final class ProvidersCommand extends ServiceCommand {

    ProvidersCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ProviderSpec spec : services.providers().all()) {
            rows.add(ProvidersShowCommand.document(spec, services.environment()));
        }
        render(Map.of("providers", rows), out -> {
            out.printf("%-12s %-18s %-8s %-40s %s%n", "NAME", "TITLE", "KIND", "REDIRECT", "READY");
            for (Map<String, Object> row : rows) {
                @SuppressWarnings("unchecked")
                List<String> missing = (List<String>) row.get("missing");
                out.printf("%-12s %-18s %-8s %-40s %s%n", row.get("name"), Printable.escape(String.valueOf(row.get("title"))), row.get("kind"),
                        Printable.escape(String.valueOf(row.get("redirect_uri"))), missing.isEmpty() ? "yes" : "no: set " + String.join(" and ", missing));
            }
        });
        return 0;
    }
}
