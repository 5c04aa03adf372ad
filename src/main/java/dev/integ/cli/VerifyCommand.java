package dev.integ.cli;

import dev.integ.Services;
import dev.integ.api.Verification;
import dev.integ.api.Verification.Verdict;
import dev.integ.core.IntegException;
import dev.integ.core.ProviderName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

@Command(name = "verify", header = "Prove that a credential works, and show whose it is.",
        description = {"Asks the provider who the credential belongs to: Slack auth.test, Drive about, Atlassian accessible-resources"
                + " and Jira myself, or a custom provider's verify-url (else its userinfo endpoint). The token is refreshed first if it"
                + " expires within a minute, and once more if the provider says it expired.",
                "A credential the provider refuses is marked needs_reauth ('integ connect' signs in again).",
                "--all verifies every stored credential (of PROVIDER, if given), for cron: a summary (-o json for scripts),"
                        + " exit 5 if any needs a human, else 4 if any provider was unreachable, else 1 if any failed."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:the credential works (--all: every one)", "  1:the provider answered with an error",
                "  3:no such credential", "  4:the provider was unreachable, rate limited or failing (--all: any)",
                "  5:the credential needs a new sign-in (now marked needs_reauth; --all: any)"})
final class VerifyCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", arity = "0..1", description = "The provider (with --all: only its credentials).")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, description = "Whose credential.")
    String user;

    @Option(names = "--all", description = "Verify every stored credential and print a summary.")
    boolean all;

    VerifyCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        if (all == (user != null)) {
            throw IntegException.usage(all ? "--all and --user do not go together" : "say whose credential to verify",
                    null, "integ verify PROVIDER --user USER, or integ verify --all");
        }
        String name = provider == null ? null : services.providers().resolve(ProviderName.require(provider, "PROVIDER")).name();
        Verification verification = services.verification();
        if (!all) {
            if (name == null) {
                throw IntegException.usage("missing PROVIDER", null, "integ verify PROVIDER --user USER");
            }
            Verdict v = verification.verify(name, user);
            render(row(v), out -> out.println(line(v)));
            return exitCode(v.status());
        }
        StreamedJson doc = json() ? new StreamedJson(terminal) : null;
        Verification.Summary summary = verification.verifyAll(name, v -> {
            if (doc != null) {
                doc.add("credentials", row(v));
            } else if (!terminal.quiet()) {
                terminal.out().println(line(v));
                terminal.out().flush();
            }
        });
        if (doc != null) {
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("ok", summary.ok());
            counts.put("needs_reauth", summary.needsReauth());
            counts.put("unreachable", summary.unreachable());
            counts.put("failed", summary.failed());
            doc.finish(counts);
        } else if (!terminal.quiet()) {
            terminal.out().println(summary.ok() + " ok, " + summary.needsReauth() + " need a new sign-in, " + summary.unreachable()
                    + " unreachable, " + summary.failed() + " failed");
            terminal.out().flush();
        }
        return summary.exitCode().code();
    }

    private static int exitCode(Verification.Status status) {
        return switch (status) {
            case OK -> 0;
            case NEEDS_REAUTH -> 5;
            case UNREACHABLE -> 4;
            case FAILED -> 1;
        };
    }

    private static Map<String, Object> row(Verdict v) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("provider", v.provider());
        row.put("user", v.user());
        row.put("status", v.status().label());
        row.put("identity", v.identity());
        if (v.error() != null) {
            row.put("error", v.error());
        }
        return row;
    }

    private static String line(Verdict v) {
        String who = v.identity().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return v.status().label() + " " + v.provider() + "/" + v.user() + (who.isEmpty() ? "" : "  " + who)
                + (v.error() == null ? "" : ": " + v.error());
    }
}
