package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.IntegException;
import dev.integ.oauth.AccessTokens;
import dev.integ.oauth.RefreshSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "refresh", header = "Refresh a credential now, or every credential that expires soon (--all, for cron).",
        description = {"One refresh per credential at a time across all processes and machines sharing the store: a lock "
                + "with a fencing token, the record read again under it, and the rotated refresh token stored (compare-and-set) "
                + "before the new access token is used.",
                "A refresh token the provider refuses marks the credential needs_reauth (kept, not deleted) and exits 5. "
                        + "Provider outages and timeouts change nothing and exit 4.",
                "--all prints a summary (-o json for scripts) and exits non-zero if any credential failed."})
final class RefreshCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", arity = "0..1", description = "The provider (with --all: only its credentials).")
    String provider;

    @Option(names = "--user", paramLabel = "USER", description = "Whose credential.")
    String user;

    @Option(names = "--all", description = "Refresh every active credential that expires within --expiring-within.")
    boolean all;

    @Option(names = "--expiring-within", paramLabel = "DURATION", defaultValue = "1h",
            description = "With --all: the window (default: ${DEFAULT-VALUE}).")
    Duration expiringWithin;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
            description = "With --all: refreshes at a time (default: ${DEFAULT-VALUE}).")
    int concurrency;

    RefreshCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        if (all == (user != null)) {
            throw IntegException.usage(all ? "--all and --user do not go together" : "say whose credential to refresh",
                    null, "integ refresh PROVIDER --user USER, or integ refresh --all [--expiring-within 1h]");
        }
        if (concurrency < 1 || concurrency > 32) {
            throw IntegException.usage("invalid --concurrency " + concurrency, "give 1 to 32", null);
        }
        if (!all) {
            if (provider == null) {
                throw IntegException.usage("missing PROVIDER", null, "integ refresh PROVIDER --user USER");
            }
            String name = services.providers().resolve(provider).name();
            AccessTokens.Fresh fresh = services.accessTokens().refresh(name, user);
            Map<String, Object> doc = new LinkedHashMap<>(CredentialRows.json(fresh.credential(), fresh.credential().updatedAt()));
            doc.put("refreshed", fresh.refreshed());
            render(doc, out -> out.println((fresh.refreshed() ? "refreshed " : "already refreshed by another process: ") + name + "/" + user
                    + ", expires " + (fresh.credential().expiresAt() == null ? "never" : CredentialRows.seconds(fresh.credential().expiresAt()))));
            return 0;
        }
        String only = provider == null ? null : services.providers().resolve(provider).name();
        RefreshSweep.Summary summary = new RefreshSweep(services.vault(), services.accessTokens()).run(only, expiringWithin, concurrency);
        List<Map<String, Object>> items = new ArrayList<>();
        for (RefreshSweep.Item item : summary.items()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("provider", item.provider());
            row.put("user", item.user());
            row.put("outcome", item.outcome());
            if (item.error() != null) {
                row.put("error", item.error().getMessage());
                row.put("exit_code", item.error().exitCode().code());
            }
            items.add(row);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("refreshed", summary.count("refreshed"));
        doc.put("fresh", summary.count("fresh"));
        doc.put("failed", summary.count("failed"));
        doc.put("credentials", items);
        render(doc, out -> {
            for (RefreshSweep.Item item : summary.items()) {
                out.println(item.outcome() + " " + item.provider() + "/" + item.user()
                        + (item.error() == null ? "" : ": " + item.error().getMessage()));
            }
            out.println(summary.count("refreshed") + " refreshed, " + summary.count("fresh") + " already fresh, "
                    + summary.count("failed") + " failed");
        });
        return summary.exitCode();
    }
}
