package dev.integ.oauth;

import dev.integ.core.Durations;
import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import dev.integ.core.LoopbackPort;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.providers.ProviderSpec;
import dev.integ.vault.Credential;
import dev.integ.vault.CredentialStore;
import dev.integ.vault.CredentialVault;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One sign-in: the authorization-code flow with PKCE and a single-use state (loopback receiver or a
 * pasted address), or the device authorization grant (RFC 8628) on a machine without a browser, and
 * the credential stored in the vault with the scopes actually granted, the same way for every method.
 * Re-connecting replaces the stored record by compare-and-set, so the old one stays until the new one
 * is safely stored.
 */
public final class ConnectFlow {
    /** How the sign-in talks to the admin; the CLI implements it. */
    public interface Prompt {
        /** Show the URL to open; {@code openedWith} says which program was started to open it, if any. */
        void showAuthorizationUrl(URI url, Optional<String> openedWith, boolean pasteMode);

        /**
         * Paste mode: the address the browser ended on, as the admin copied it ("" when input ended);
         * empty when nothing came within {@code within}.
         */
        Optional<String> readRedirectedUrl(Duration within);

        /**
         * Device grant: where to sign in and the code to enter there.
         *
         * @param complete the address with the code in it, or null
         * @param waiting  how long integ waits for the approval
         */
        void showDeviceCode(URI verification, String userCode, URI complete, Duration waiting);

        /** One line about how the sign-in goes, e.g. why it uses a device code. */
        void notice(String message);

        void warn(String message);
    }

    /** How the admin asked to sign in. */
    public enum Mode {
        /** The loopback receiver, or, where the browser is not on this machine, the device grant if the provider has one, else paste. */
        AUTO,
        /** Paste the address the browser ends on (--manual). */
        MANUAL,
        /** RFC 8628 device grant (--device). */
        DEVICE
    }

    /**
     * @param browser        start a browser (false: only print the URL)
     * @param noLocalBrowser why the browser is probably not on this machine (SSH, no display), or null
     */
    public record Request(String provider, String user, Duration timeout, Mode mode, boolean browser, String noLocalBrowser) {
    }

    /** The method a sign-in uses, as {@code connect.start} records it. */
    private enum Method {
        LOOPBACK, PASTE, DEVICE;

        String event() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param credential as stored, with the scopes the provider granted
     * @param replaced   an earlier credential of this provider and user was replaced
     * @param notGranted scopes asked for but not granted
     * @param extra      scopes granted without being asked for (Google's include_granted_scopes, say)
     */
    public record Connected(Credential credential, boolean replaced, List<String> notGranted, List<String> extra) {
    }

    private final ProviderClients clients;
    private final CredentialVault vault;
    private final EventLog events;
    private final BrowserOpener browser;
    private final Clock clock;
    private final PollClock pollClock;

    /** @param pollClock what the device grant's polling waits with */
    public ConnectFlow(ProviderClients clients, CredentialVault vault, EventLog events, BrowserOpener browser, Clock clock, PollClock pollClock) {
        this.clients = clients;
        this.vault = vault;
        this.events = events;
        this.browser = browser;
        this.clock = clock;
        this.pollClock = pollClock;
    }

    public Connected connect(Request request, Prompt prompt) {
        ProviderClients.Opened opened = clients.open(request.provider(), request.user());
        ProviderClient client = opened.client();
        ProviderSpec spec = client.spec();
        String user = request.user();
        Method method = method(request, spec, prompt);
        events.record(SecurityEvent.success("connect.start", spec.name(), user, Map.of("mode", method.event())));
        try {
            if (method == Method.DEVICE) {
                return device(client, user, request, prompt);
            }
            return authorizationCode(opened, user, request, method == Method.PASTE, prompt);
        } catch (RuntimeException e) {
            // every connect.start is followed by its outcome, whatever ended the sign-in
            int exit = e instanceof IntegException integ ? integ.exitCode().code() : ExitCode.FAILURE.code();
            events.recordQuietly(SecurityEvent.failure("connect.failure", spec.name(), user, Map.of("exit", Integer.toString(exit))), x -> { });
            throw e;
        }
    }

    /** RFC 6749 §4.1 with PKCE: the browser's answer by the loopback receiver or pasted by the admin. */
    private Connected authorizationCode(ProviderClients.Opened opened, String user, Request request, boolean paste, Prompt prompt) {
        ProviderClient client = opened.client();
        ProviderSpec spec = client.spec();
        String state = SignInState.generate();
        Pkce pkce = spec.pkce() ? Pkce.generate() : null;
        // OIDC Core §3.1.2.1: binds the id_token to this sign-in, so one minted for another cannot be slipped in
        String nonce = spec.scopes().contains("openid") ? SignInState.generate() : null;
        CallbackCheck check = new CallbackCheck(state, spec.issuer(), opened.issuerInCallback());
        RedirectTarget target = new RedirectTarget(spec.redirect().host(), spec.redirect().port(), spec.redirect().path());
        RejectedCallbacks rejectedCallbacks = new RejectedCallbacks(events, spec.name(), user, clock);
        if (paste) {
            URI redirectUri = target.uri(target.port() != 0 ? target.port() : freePort());
            showAndOpen(spec, client, redirectUri, state, nonce, pkce, request.browser(), true, prompt);
            // --timeout bounds this wait too: an unattended paste prompt must not hang until stdin closes
            String pasted = prompt.readRedirectedUrl(request.timeout()).orElseThrow(() -> nothingPasted(request.timeout()));
            CallbackOutcome outcome = check.check(PastedRedirect.parse(pasted, redirectUri));
            if (outcome instanceof CallbackOutcome.Rejected rejected) {
                rejectedCallbacks.accept(rejected);
                throw IntegException.usage("the pasted address does not belong to this sign-in", rejected.reason(),
                        "start again and paste the address the browser shows after this sign-in");
            }
            return redeem(client, user, outcome, redirectUri, pkce, nonce, prompt);
        }
        // closed before finish(): the summary counts every request the receiver answered
        try (LoopbackReceiver receiver = LoopbackReceiver.start(target, check, rejectedCallbacks)) {
            showAndOpen(spec, client, receiver.redirectUri(), state, nonce, pkce, request.browser(), false, prompt);
            CallbackOutcome outcome = receiver.await(request.timeout());
            try {
                Connected connected = redeem(client, user, outcome, receiver.redirectUri(), pkce, nonce, prompt);
                receiver.answer(SignInPage.signedIn(spec.title(), connected.credential()));
                return connected;
            } catch (RuntimeException e) {
                // the browser's request was held for this: it says what the terminal is about to say
                receiver.answer(SignInPage.failed(spec.title(), e));
                throw e;
            }
        } finally {
            rejectedCallbacks.finish();
        }
    }

    /** The browser's answer turned into a stored credential: the code exchanged, the id_token checked, the account looked up. */
    private Connected redeem(ProviderClient client, String user, CallbackOutcome outcome, URI redirectUri, Pkce pkce, String nonce,
                             Prompt prompt) {
        ProviderSpec spec = client.spec();
        if (outcome instanceof CallbackOutcome.Denied denied) {
            throw IntegException.humanAction("the sign-in to " + spec.title() + " was not approved",
                    new TokenRefusal(denied.error(), denied.description(), 0).explain(),
                    "run the command again and approve the access integ asks for");
        }
        String code = ((CallbackOutcome.Authorized) outcome).code();
        TokenOutcome exchanged = client.exchangeCode(user, code, redirectUri, pkce);
        if (exchanged instanceof TokenRefusal refusal) {
            throw IntegException.failure(spec.name() + " refused the sign-in code", refusal.explain(), hintFor(spec, refusal), null);
        }
        IssuedTokens issued = (IssuedTokens) exchanged;
        return store(client, user, issued, idToken(client, issued, nonce), prompt);
    }

    /**
     * RFC 8628: the admin approves on any device; integ polls for the tokens and stores them as a
     * browser sign-in would. There is no authorization request to carry a nonce, so an id_token is
     * checked for issuer, audience and expiry (OIDC Core §3.1.3.7) without one.
     */
    private Connected device(ProviderClient client, String user, Request request, Prompt prompt) {
        DeviceAuthorization device = client.requestDeviceCode(user);
        Duration waiting = device.expiresIn().compareTo(request.timeout()) < 0 ? device.expiresIn() : request.timeout();
        prompt.showDeviceCode(device.verificationUri(), device.userCode(), device.verificationUriComplete(), waiting);
        IssuedTokens issued = new DevicePolling(pollClock).await(client, user, device, request.timeout());
        return store(client, user, issued, idToken(client, issued, null), prompt);
    }

    private Optional<IdToken> idToken(ProviderClient client, IssuedTokens issued, String nonce) {
        ProviderSpec spec = client.spec();
        return Optional.ofNullable(issued.secrets().revealOther().get("id_token"))
                .map(jwt -> IdToken.checked(spec.name(), jwt, spec.issuer(), client.client().clientId(), nonce, clock.instant()));
    }

    /**
     * The method this sign-in uses. Where the browser is probably elsewhere (SSH, no display), a
     * loopback receiver here would never be reached: the device grant needs nothing from that browser
     * but the approval, and pasting the address works with every provider.
     */
    private static Method method(Request request, ProviderSpec spec, Prompt prompt) {
        String noDevice = noDeviceGrant(spec);
        switch (request.mode()) {
            case MANUAL:
                return Method.PASTE;
            case DEVICE:
                if (noDevice != null) {
                    throw IntegException.usage("cannot sign in to " + spec.title() + " with a device code", noDevice,
                            "use --manual: sign in in any browser and paste the address it ends on");
                }
                return Method.DEVICE;
            default:
                if (request.noLocalBrowser() == null) {
                    return Method.LOOPBACK;
                }
                if (noDevice == null) {
                    prompt.notice("signing in with a device code, since " + request.noLocalBrowser() + " (--manual to paste an address instead)");
                    return Method.DEVICE;
                }
                prompt.notice("signing in by pasting an address, since " + request.noLocalBrowser() + " and " + noDevice);
                return Method.PASTE;
        }
    }

    /** Why the device grant cannot be used with this provider, or null when it can. */
    private static String noDeviceGrant(ProviderSpec spec) {
        if (spec.endpoints().deviceAuthorization() == null) {
            return spec.name() + " has no device authorization endpoint (RFC 8628)";
        }
        List<String> refused = spec.scopesNotAllowedOnDevices();
        if (!refused.isEmpty()) {
            return spec.title() + " does not allow " + String.join(", ", refused) + " with a device code";
        }
        return null;
    }

    private void showAndOpen(ProviderSpec spec, ProviderClient client, URI redirectUri, String state, String nonce, Pkce pkce,
                             boolean startBrowser, boolean pasteMode, Prompt prompt) {
        URI url = AuthorizationUrl.build(spec, spec.endpoints().authorization(), client.client().clientId(), redirectUri, state, nonce, pkce);
        Optional<String> openedWith = Optional.empty();
        if (startBrowser) {
            // the receiver is already serving: a fast browser cannot arrive before it listens
            openedWith = browser.open(url);
        }
        prompt.showAuthorizationUrl(url, openedWith, pasteMode);
    }

    private Connected store(ProviderClient client, String user, IssuedTokens issued, Optional<IdToken> idToken, Prompt prompt) {
        ProviderSpec spec = client.spec();
        Map<String, String> account = new LinkedHashMap<>(issued.account());
        try {
            account.putAll(client.account(user, issued.secrets().revealAccessToken()));
        } catch (IntegException e) {
            // the tokens are good and the code is spent: keep them, and say what could not be looked up
            prompt.warn("could not read the account details from " + spec.title() + ": " + e.getMessage());
        }
        if (idToken.isPresent()) {
            String subject = idToken.get().subject();
            // OIDC Core §5.3.2: userinfo about another subject than the id_token's must not be used
            if (account.containsKey("subject") && !account.get("subject").equals(subject)) {
                throw IdToken.invalid(spec.name(), "the userinfo endpoint describes another account (sub) than the id_token");
            }
            account.put("subject", subject);
            if (idToken.get().email() != null) {
                account.putIfAbsent("email", idToken.get().email());
            }
        }
        List<String> granted = issued.grantedScopes() != null ? issued.grantedScopes() : spec.scopes();
        List<String> notGranted = new ArrayList<>(spec.scopes());
        notGranted.removeAll(granted);
        List<String> extra = new ArrayList<>(granted);
        extra.removeAll(spec.scopes());
        if (!notGranted.isEmpty()) {
            prompt.warn(spec.title() + " did not grant " + String.join(", ", notGranted)
                    + (notGranted.contains("offline_access") || !issued.secrets().hasRefreshToken() && issued.expiresAt() != null
                    ? "; without a refresh token this credential ends when its access token expires" : ""));
        }
        Instant now = clock.instant();
        Optional<CredentialStore.Stored> existing = vault.store().get(spec.name(), user);
        long rev = existing.map(CredentialStore.Stored::rev).orElse(0L);
        Credential credential = new Credential(spec.name(), user, Credential.ACTIVE, granted, issued.expiresAt(), issued.refreshExpiry(spec, now),
                issued.secrets().hasRefreshToken(), now, now, account);
        events.record(SecurityEvent.success("connect.success", spec.name(), user, Map.of(
                "scopes", String.join(" ", granted), "replaced", Boolean.toString(existing.isPresent()))));
        if (!vault.save(credential, issued.secrets(), rev)) {
            throw IntegException.retryLater("the " + spec.name() + " credential of " + user + " changed while connecting",
                    "another connect or refresh stored it first; nothing was overwritten", "run the command again", null);
        }
        return new Connected(credential, existing.isPresent(), notGranted, extra);
    }

    private static IntegException nothingPasted(Duration timeout) {
        return IntegException.humanAction("nothing was pasted within " + Durations.format(timeout), "the sign-in was not completed",
                "run the command again and paste the address the browser ends on (give it longer with --timeout)");
    }

    private static String hintFor(ProviderSpec spec, TokenRefusal refusal) {
        return switch (refusal.error()) {
            case "bad_redirect_uri", "redirect_uri_mismatch" -> "the redirect URI must match the one registered at " + spec.title()
                    + " byte for byte ('integ providers show " + spec.name() + "' shows it)";
            case "invalid_client", "invalid_client_id", "bad_client_secret", "unauthorized_client" ->
                    "check the client id and secret ('integ providers show " + spec.name() + "')";
            default -> "run the command again; a sign-in code is valid once and only for a few minutes";
        };
    }

    private static int freePort() {
        try {
            return LoopbackPort.free();
        } catch (IOException e) {
            throw IntegException.retryLater("no free loopback port for the redirect address", e.getMessage(), null, e);
        }
    }
}
