package dev.integ.oauth;

import dev.integ.core.IntegException;
import dev.integ.vault.Credential;

import java.util.Map;

/**
 * What the browser is told once a sign-in is over: one sentence that says what happened (and to whom)
 * and one that says what to do next. The receiver holds the browser's request until the credential is
 * stored or the flow failed, so the page never claims more than the terminal does.
 *
 * @param tone     how the page is coloured
 * @param headline what happened, one sentence
 * @param next     what to do now
 */
record SignInPage(int status, Tone tone, String headline, String next) {
    /** Longest failure reason a page shows: the terminal has the whole message. */
    private static final int MAX_REASON = 200;

    enum Tone { DONE, FAILED, WAITING }

    static SignInPage signedIn(String providerTitle, Credential credential) {
        String account = accountOf(credential.account());
        return new SignInPage(200, Tone.DONE, "Signed in to " + providerTitle + (account.isEmpty() ? "" : " as " + account)
                + ", stored for integ user " + credential.user() + ".", "You can close this tab.");
    }

    /** The flow failed after the browser's answer: the exception is what the terminal prints. */
    static SignInPage failed(String providerTitle, RuntimeException failure) {
        if (failure instanceof IntegException e) {
            String hint = e.hint() == null ? "Run integ connect again." : sentence(e.hint());
            return new SignInPage(200, Tone.FAILED, sentence(shortened(e.getMessage())),
                    "What to do: " + hint + " The terminal running integ connect has the details.");
        }
        return new SignInPage(200, Tone.FAILED, "The sign-in to " + providerTitle + " failed: integ hit an unexpected error.",
                "The terminal running integ connect has the details.");
    }

    /** The flow is taking longer than the browser should wait: the terminal will have the answer. */
    static SignInPage stillWorking() {
        return new SignInPage(200, Tone.WAITING, "integ is still finishing the sign-in.",
                "The terminal running integ connect will say whether it worked. You can close this tab.");
    }

    /** The receiver closed without being told the result (the flow was interrupted). */
    static SignInPage stopped() {
        return new SignInPage(200, Tone.WAITING, "integ stopped before the sign-in finished.",
                "The terminal running integ connect says why. You can close this tab.");
    }

    /** "alice@example.com (team Acme)": the best name the provider gave for the account, and its workspace or site. */
    static String accountOf(Map<String, String> account) {
        String who = first(account, "email", "username", "slack_user_id", "subject");
        String where = account.containsKey("team") ? "team " + account.get("team")
                : account.containsKey("site") ? "site " + account.get("site") : null;
        if (who == null) {
            return where == null ? "" : where;
        }
        return where == null ? who : who + " (" + where + ")";
    }

    private static String first(Map<String, String> account, String... keys) {
        for (String key : keys) {
            String value = account.get(key);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }

    private static String shortened(String message) {
        return message.length() <= MAX_REASON ? message : message.substring(0, MAX_REASON - 1) + "…";
    }

    /** Capitalised and ending in a full stop. */
    private static String sentence(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            return s;
        }
        s = Character.toUpperCase(s.charAt(0)) + s.substring(1);
        return s.endsWith(".") || s.endsWith("…") ? s : s + ".";
    }
}
