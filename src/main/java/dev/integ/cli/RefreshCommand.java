package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.core.Printable;
import dev.integ.oauth.AccessTokens;
import dev.integ.oauth.RefreshSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "refresh", header = "Refresh a credential now, or every credential that expires soon (--all, for cron).",
        description = {"One refresh per credential at a time across all processes and machines sharing the store: a lock "
                + "with a fencing token, the record read again under it, and the rotated refresh token stored (compare-and-set) "
                + "before the new access token is used.",
                "A refresh token the provider refuses marks the credential needs_reauth (kept, not deleted) and exits 5. "
                        + "Provider outages and timeouts change nothing and exit 4.",
                "--all prints a summary (-o json for scripts) and exits non-zero if any credential failed. A record that does not "
                        + "verify is named on stderr, left as it is, and makes the exit code 5; an expiring credential without a "
                        + "refresh token is named as skipped."})
final class RefreshCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", arity = "0..1", description = "The provider (with --all: only its credentials).")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, description = "Whose credential.")
    String user;

    @Option(names = "--all", description = "Refresh every active credential that expires within --expiring-within.")
    boolean all;

    @Option(names = "--expiring-within", paramLabel = "DURATION", defaultValue = "1h",
            description = "With --all: the window (default: ${DEFAULT-VALUE}).")
    Duration expiringWithin;

    @Option(names = "--keep-alive", description = "With --all: also refresh every credential whose refresh token would end within "
            + "7 days of inactivity (Atlassian's 90 days, Google's 6 months); one that no refresh can save (a fixed lifetime, the "
            + "grant's end) is named with the date to reconnect by.")
    boolean keepAlive;

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
        if (keepAlive && !all) {
            throw IntegException.usage("--keep-alive goes with --all", null, "integ refresh --all --keep-alive");
        }
        if (!all) {
            if (provider == null) {
                throw IntegException.usage("missing PROVIDER", null, "integ refresh PROVIDER --user USER");
            }
            String name = services.providers().resolve(provider).name();
            AccessTokens.Fresh fresh = services.accessTokens().refresh(name, user);
            Map<String, Object> doc = new LinkedHashMap<>(CredentialRows.json(fresh.credential(), fresh.credential().updatedAt()));
            doc.put("refreshed", fresh.refreshed());
            render(doc, out -> out.println((fresh.refreshed() ? "refreshed " : "already refreshed by another process: ") + name + "/" + Printable.escape(user)
                    + ", expires " + (fresh.credential().expiresAt() == null ? "never" : CredentialRows.seconds(fresh.credential().expiresAt()))));
            return 0;
        }
        String only = provider == null ? null : services.providers().resolve(provider).name();
        StreamedJson doc = json() ? new StreamedJson(terminal) : null;
        RefreshSweep.Summary summary = new RefreshSweep(services.vault(), services.accessTokens()).run(only, expiringWithin, concurrency,
                damaged -> {
                    terminal.error(DamagedRecords.line(damaged, "not refreshed, left as it was"), null);
                    if (doc != null) {
                        Map<String, Object> row = DamagedRecords.json(damaged);
                        row.put("outcome", "damaged");
                        row.put("exit_code", ExitCode.HUMAN_ACTION.code());
                        doc.add("credentials", row);
                    }
                }, keepAlive ? services.refreshTokenForesight() : null);
        for (RefreshSweep.Item item : summary.items()) {
            if (item.outcome().equals("skipped")) {
                terminal.warning("skipped " + item.provider() + "/" + item.user() + ": no refresh token, so it cannot be refreshed; "
                        + "its access token expires " + CredentialRows.seconds(item.expiresAt()) + " ('integ connect " + item.provider()
                        + " --user " + item.user() + "' signs in again)");
            }
            if (item.outcome().equals("reconnect")) {
                terminal.warning(Printable.escape(item.provider() + "/" + item.user()) + ": reconnect by " + CredentialRows.seconds(item.refreshEndsAt())
                        + ": its refresh token ends then and no refresh moves that ('integ connect "
                        + Printable.escape(item.provider() + " --user " + item.user()) + "' signs in again)");
            }
        }
        if (doc != null) {
            for (RefreshSweep.Item item : summary.items()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("provider", item.provider());
                row.put("user", item.user());
                row.put("outcome", item.outcome());
                if (item.refreshEndsAt() != null) {
                    row.put("refresh_ends_at", item.refreshEndsAt().toString());
                }
                if (item.error() != null) {
                    row.put("error", item.error().getMessage());
                    row.put("exit_code", item.error().exitCode().code());
                }
                doc.add("credentials", row);
            }
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("refreshed", summary.count("refreshed"));
            counts.put("fresh", summary.count("fresh"));
            counts.put("failed", summary.count("failed"));
            counts.put("damaged", summary.damaged());
            counts.put("skipped", summary.count("skipped"));
            if (keepAlive) {
                counts.put("kept_alive", summary.count("kept_alive"));
                counts.put("reconnect", summary.count("reconnect"));
            }
            doc.finish(counts);
        } else if (!terminal.quiet()) {
            for (RefreshSweep.Item item : summary.items()) {
                if (item.outcome().equals("kept_alive")) {
                    terminal.out().println("kept alive " + Printable.escape(item.provider() + "/" + item.user()) + (item.refreshEndsAt() == null ? ""
                            : ": its refresh token now ends " + CredentialRows.seconds(item.refreshEndsAt())));
                } else if (!item.outcome().equals("skipped") && !item.outcome().equals("reconnect")) {
                    terminal.out().println(item.outcome() + " " + Printable.escape(item.provider() + "/" + item.user())
                            + (item.error() == null ? "" : ": " + item.error().getMessage()));
                }
            }
            terminal.out().println(summary.count("refreshed") + " refreshed, " + summary.count("fresh") + " already fresh, "
                    + summary.count("failed") + " failed, " + summary.damaged() + " damaged, " + summary.count("skipped") + " skipped"
                    + (keepAlive ? ", " + summary.count("kept_alive") + " kept alive, " + summary.count("reconnect") + " to reconnect" : ""));
            terminal.out().flush();
        }
        if (summary.damaged() > 0) {
            // exit 5, which the summary's code is too whenever a record is damaged; printed by ErrorReporter
            throw IntegException.humanAction(DamagedRecords.count(summary.damaged()) + " left as "
                    + (summary.damaged() == 1 ? "it was" : "they were") + " (not refreshed)", null, DamagedRecords.HINT);
        }
        return summary.exitCode();
    }
}
