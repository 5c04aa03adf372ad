package dev.integ.oauth;

import dev.integ.vault.Credential;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Makes README's screenshot of the success page (docs/images/connect-signed-in.png): a real receiver
 * serves the page, headers and CSP included, to headless Chromium (Debian's {@code chromium}), which
 * would render it unstyled if the style's hash did not match. Not a test; run it with
 * {@code mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt} and then
 * {@code java -cp target/test-classes:target/classes:$(cat target/cp.txt) dev.integ.oauth.ReceiverPageScreenshot docs/images/connect-signed-in.png}.
 */
public final class ReceiverPageScreenshot {
    private ReceiverPageScreenshot() {
    }

    public static void main(String[] args) throws Exception {
        Path png = Path.of(args.length > 0 ? args[0] : "docs/images/connect-signed-in.png").toAbsolutePath();
        String state = "screenshot-state";
        try (LoopbackReceiver receiver = LoopbackReceiver.start(new RedirectTarget("127.0.0.1", 0, "/cb/slack"),
                new CallbackCheck(state, null, false), rejected -> { })) {
            Process chromium = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run", "--hide-scrollbars",
                    "--window-size=800,420", "--screenshot=" + png, receiver.redirectUri() + "?code=not-a-code&state=" + state)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            receiver.await(Duration.ofSeconds(60));
            receiver.answer(SignInPage.signedIn("Slack", new Credential("slack", "alice", Credential.ACTIVE, List.of("chat:write"),
                    null, null, true, Instant.EPOCH, Instant.EPOCH, Map.of("email", "alice@example.com", "team", "Acme"))));
            if (chromium.waitFor() != 0) {
                throw new IllegalStateException("chromium exited with " + chromium.exitValue());
            }
        }
    }
}
