package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.IntegException;
import dev.integ.oauth.BrowserOpener;
import dev.integ.oauth.ConnectFlow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

@Command(name = "connect", header = "Sign a user in to a provider (OAuth 2.0 authorization code + PKCE) and store the credential.",
        description = {"Starts a one-time receiver on the loopback interface, opens the provider's sign-in page in a browser "
                + "($BROWSER, else the desktop's opener) and always prints its URL too. The receiver accepts only the answer "
                + "that carries this sign-in's single-use state; anything else gets an error page and the sign-in goes on.",
                "On a machine without a display, or over SSH (SSH_CONNECTION), or with --manual, nothing listens: sign in "
                        + "in any browser and paste the address it ends on (the page will not load; that is expected).",
                "The credential is stored with the scopes the provider actually granted; integ warns when they differ "
                        + "from the ones asked for. Connecting again replaces the stored credential atomically.",
                "With the openid scope, the id_token must name the provider's issuer, integ's client id and this "
                        + "sign-in's nonce, and must not have expired; otherwise nothing is stored (exit 5)."})
final class ConnectCommand extends ServiceCommand {

    @Parameters(paramLabel = "PROVIDER", description = "slack, google, jira, or a provider from the config file ('integ providers').")
    String provider;

    @Option(names = "--user", paramLabel = "USER", converter = UserNameConverter.class, required = true, description = "Whose credential this is (integ's name for them).")
    String user;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
            description = "How long to wait for the browser, or for the pasted address (--manual); then exit 5 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--no-browser", description = "Only print the sign-in URL; start no browser.")
    boolean noBrowser;

    @Option(names = "--manual", description = "Paste the redirected address instead of running the loopback receiver.")
    boolean manual;

    ConnectCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        if (timeout.isZero() || timeout.isNegative()) {
            throw IntegException.usage("invalid --timeout " + timeout, "it must be longer than zero", null);
        }
        boolean paste = manual || new BrowserOpener(services.environment()).pasteModeByDefault();
        ConnectFlow.Connected connected = services.connectFlow().connect(
                new ConnectFlow.Request(provider, user, timeout, paste, !noBrowser), new TerminalPrompt());
        Map<String, Object> doc = new LinkedHashMap<>(CredentialRows.json(connected.credential(), connected.credential().createdAt()));
        doc.put("replaced", connected.replaced());
        doc.put("not_granted", connected.notGranted());
        doc.put("extra_scopes", connected.extra());
        render(doc, out -> out.println((connected.replaced() ? "reconnected " : "connected ") + connected.credential().provider() + "/"
                + user + " (scopes: " + String.join(" ", connected.credential().scopes()) + ")"));
        return 0;
    }

    /** Instructions go to stderr, so stdout carries only the result. */
    private final class TerminalPrompt implements ConnectFlow.Prompt {
        @Override
        public void showAuthorizationUrl(URI url, Optional<String> openedWith, boolean pasteMode) {
            var err = terminal.err();
            err.println(openedWith.map(how -> "Opened the sign-in page with " + how + ". If it did not open, visit:")
                    .orElse("Open this address in a browser to sign in:"));
            err.println();
            err.println("    " + url);
            err.println();
            if (pasteMode) {
                err.println("After signing in, the browser goes to an address that does not load. Copy that whole address");
                err.print("from the address bar and paste it here: ");
            } else {
                err.println("Waiting up to " + dev.integ.core.Durations.format(timeout) + " for the browser (Ctrl-C to give up)...");
            }
            err.flush();
        }

        @Override
        public Optional<String> readRedirectedUrl(Duration within) {
            return terminal.readLine(within);
        }

        @Override
        public void warn(String message) {
            terminal.warning(message);
        }
    }
}
