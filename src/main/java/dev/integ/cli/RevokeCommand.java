package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.core.Printable;
import dev.integ.oauth.Revocation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "revoke", header = "Revoke a credential at its provider, then delete it here.",
        description = {"Google: its /revoke endpoint with the refresh token, which ends the whole grant. Slack: auth.revoke "
                + "with the token itself. Custom providers: their RFC 7009 endpoint. The stored tokens are used as they are, "
                + "never refreshed first.",
                "Atlassian (jira) has no revocation endpoint: the credential is deleted here and integ says what the account "
                        + "owner must do at Atlassian.",
                "When the provider cannot be reached or refuses, the credential is kept and the command fails; "
                        + "--local-only deletes it here anyway.",
                "--all-for-user names every record of the user that does not verify, keeps it (with or without --local-only), "
                        + "says what to do at the provider, where its grant is still live, and exits 5.",
                "Asks first on a terminal; elsewhere (cron, scripts) it needs --yes."})
final class RevokeCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", arity = "0..1", description = "The provider of the credential.")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, description = "Whose credential.")
    String user;

    @Option(names = "--all-for-user", paramLabel = "USER", converter = UserNameConverter.class, description = "Revoke every credential of this user (offboarding).")
    String allForUser;

    @Option(names = "--local-only", description = "Do not call the provider; only delete the credential here.")
    boolean localOnly;

    @Option(names = {"-y", "--yes"}, description = "Do not ask.")
    boolean yes;

    RevokeCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        if (allForUser != null) {
            if (provider != null || user != null) {
                throw IntegException.usage("--all-for-user takes no PROVIDER or --user", null, "integ revoke --all-for-user USER");
            }
            return revokeAll();
        }
        if (provider == null || user == null) {
            throw IntegException.usage("say which credential to revoke", null, "integ revoke PROVIDER --user USER, or --all-for-user USER");
        }
        String name = localOnly ? storedProvider(provider, user) : services.providers().resolve(provider).name();
        Revocation.Result result = services.revocation().revoke(name, user, localOnly,
                () -> confirm(yes, "revoke", "the " + name + " credential of " + user + (localOnly ? " (here only)" : ""), name + "/" + user));
        render(document(result), out -> print(result));
        return 0;
    }

    private int revokeAll() {
        List<Revocation.Result> results = services.revocation().revokeAllFor(allForUser, localOnly, providers -> confirm(yes, "revoke",
                "the " + String.join(", ", providers) + " credential" + (providers.size() == 1 ? "" : "s") + " of " + allForUser
                        + (localOnly ? " (here only)" : ""), "the credentials of " + allForUser));
        List<Map<String, Object>> docs = new ArrayList<>();
        results.forEach(r -> docs.add(document(r)));
        long failed = results.stream().filter(r -> r.outcome() == Revocation.Outcome.FAILED).count();
        long damaged = results.stream().filter(r -> r.outcome() == Revocation.Outcome.DAMAGED).count();
        long ended = results.size() - failed - damaged;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("credentials", docs);
        doc.put("ended", ended);
        doc.put("failed", failed);
        doc.put("damaged", damaged);
        render(doc, out -> {
            results.forEach(this::print);
            out.println(ended + " ended, " + failed + " failed and kept, " + damaged + " damaged and kept");
        });
        List<IntegException.Part> parts = new ArrayList<>();
        List<ExitCode> codes = new ArrayList<>();
        for (Revocation.Result r : results) {
            if (r.error() != null) {
                // a damaged record's message names it already, in the words every command uses
                parts.add(r.error().asPart(r.outcome() == Revocation.Outcome.DAMAGED ? null : r.provider() + "/" + r.user() + ": "));
                codes.add(r.error().exitCode());
            }
        }
        if (!parts.isEmpty()) {
            // each failure on its own lines, then one summary; all printed by ErrorReporter
            throw IntegException.several(parts, codes, (failed + damaged) + " of " + results.size() + " credential"
                    + (results.size() == 1 ? "" : "s") + " of " + allForUser + " kept", failed + " failed, " + damaged + " damaged",
                    parts.size() == 1 ? null : "each is named above with what to do");
        }
        return 0;
    }

    private void print(Revocation.Result r) {
        String name = Printable.escape(r.provider() + "/" + r.user());
        switch (r.outcome()) {
            case REVOKED -> terminal.out().println("revoked " + name + " at the provider and deleted it here");
            case ALREADY_INVALID -> terminal.out().println("deleted " + name + " here; the provider already considered its token invalid");
            case LOCAL_ONLY_NO_ENDPOINT -> {
                terminal.out().println("deleted " + name + " here only: the provider has no revocation endpoint");
                terminal.warning(r.advice());
            }
            case LOCAL_ONLY -> {
                terminal.out().println("deleted " + name + " here only (--local-only): its tokens stay valid at the provider until they expire");
                if (r.advice() != null) {
                    terminal.warning(r.advice());
                }
            }
            case FAILED -> terminal.out().println("kept " + name + ": revocation failed");
            case DAMAGED -> terminal.out().println("kept " + name + ": its record is damaged, so it was neither revoked nor deleted;"
                    + " its grant is still live at the provider");
        }
    }

    private static Map<String, Object> document(Revocation.Result r) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("provider", r.provider());
        doc.put("user", r.user());
        doc.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
        doc.put("advice", r.advice());
        doc.put("error", r.error() == null ? null : r.error().getMessage());
        return doc;
    }
}
