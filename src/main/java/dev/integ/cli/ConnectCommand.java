package dev.integ.cli;

import dev.integ.Services;
import dev.integ.core.BoundedLineReader;
import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import dev.integ.core.Printable;
import dev.integ.oauth.BrowserOpener;
import dev.integ.oauth.ConnectFlow;
import dev.integ.oauth.PastedRedirect;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

@Command(name = "connect", header = "Sign a user in to a provider (OAuth 2.0 authorization code + PKCE, or device code) and store the credential.",
        description = {"Starts a one-time receiver on the loopback interface, opens the provider's sign-in page in a browser "
                + "($BROWSER, else the desktop's opener) and always prints its URL too. The receiver accepts only the answer "
                + "that carries this sign-in's single-use state; anything else gets an error page and the sign-in goes on. "
                + "The browser's page says whether the credential was stored once it is.",
                "With --device (RFC 8628), integ prints an address and a code to enter there from any device, and waits "
                        + "for the approval; for providers with a device authorization endpoint (Google, OIDC servers that "
                        + "publish one). With --manual, nothing listens: sign in in any browser and paste the address it ends "
                        + "on (the page will not load; that is expected).",
                "Over SSH (SSH_CONNECTION, SSH_TTY) or on Linux without a display and without $BROWSER, connect uses "
                        + "the device code where the provider has one, else --manual, and says so.",
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
            description = "How long to wait for the browser, for the pasted address (--manual) or for the approval of a device code; then exit 5 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--no-browser", description = "Only print the sign-in URL; start no browser.")
    boolean noBrowser;

    @Option(names = "--manual", description = "Paste the redirected address instead of running the loopback receiver.")
    boolean manual;

    @Option(names = "--device", description = "Sign in with a device code (RFC 8628) from any browser, on any device.")
    boolean device;

    ConnectCommand(Services services, Terminal terminal) {
        super(services, terminal);
    }

    @Override
    public Integer call() {
        if (timeout.isZero() || timeout.isNegative()) {
            throw IntegException.usage("invalid --timeout " + timeout, "it must be longer than zero", null);
        }
        if (manual && device) {
            throw IntegException.usage("--manual and --device exclude each other", null,
                    "--device where the provider has a device code, else --manual");
        }
        ConnectFlow.Mode mode = manual ? ConnectFlow.Mode.MANUAL : device ? ConnectFlow.Mode.DEVICE : ConnectFlow.Mode.AUTO;
        String noLocalBrowser = new BrowserOpener(services.environment()).whyNoLocalBrowser().orElse(null);
        ConnectFlow.Connected connected = services.connectFlow().connect(
                new ConnectFlow.Request(provider, user, timeout, mode, !noBrowser, noLocalBrowser), new TerminalPrompt());
        Map<String, Object> doc = new LinkedHashMap<>(CredentialRows.json(connected.credential(), connected.credential().createdAt()));
        doc.put("replaced", connected.replaced());
        doc.put("not_granted", connected.notGranted());
        doc.put("extra_scopes", connected.extra());
        render(doc, out -> out.println((connected.replaced() ? "reconnected " : "connected ") + connected.credential().provider() + "/"
                + Printable.escape(user) + " (scopes: " + Printable.escape(String.join(" ", connected.credential().scopes())) + ")"));
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
                err.println("Waiting up to " + Durations.format(timeout) + " for the browser (Ctrl-C to give up)...");
            }
            err.flush();
        }

        @Override
        public void showDeviceCode(URI verification, String userCode, URI complete, Duration waiting) {
            var err = terminal.err();
            err.println("To sign in, open this address in a browser on any device:");
            err.println();
            err.println("    " + verification);
            err.println();
            err.println("and enter the code  " + userCode);
            if (complete != null) {
                err.println("(or open " + complete + ", which carries the code)");
            }
            err.println("Waiting up to " + Durations.format(waiting) + " for the approval (Ctrl-C to give up)...");
            err.flush();
        }

        @Override
        public void notice(String message) {
            terminal.err().println("integ: " + message);
            terminal.err().flush();
        }

        /** Waits at most {@code within}: --timeout bounds the paste prompt as it bounds the browser. */
        @Override
        public Optional<String> readRedirectedUrl(Duration within) {
            return terminal.readWithin(within, this::readPastedLine);
        }

        /** One line, read no further than {@link PastedRedirect#MAX_CHARS}: a 2.5 GB paste is refused after 16 KiB. */
        private String readPastedLine() {
            try {
                String line = new BoundedLineReader(terminal.in(), "the pasted address", PastedRedirect.MAX_CHARS, Long.MAX_VALUE,
                        "paste only the address from the browser's address bar after signing in").readLine();
                return line == null ? "" : line;
            } catch (IntegException refused) {
                // the paste ended no line (it was cut off): the error starts on its own, not after the prompt
                terminal.err().println();
                throw refused;
            } catch (IOException e) {
                throw IntegException.failure("cannot read the pasted address", e.getMessage(), null, e);
            }
        }

        @Override
        public void warn(String message) {
            terminal.warning(message);
        }
    }
}
