package dev.integ.oauth;

/** What one request to the loopback redirect address amounts to. */
public sealed interface CallbackOutcome {

    /** The provider granted access; the code is exchanged for tokens next. */
    record Authorized(String code) implements CallbackOutcome {
        @Override
        public String toString() {
            // the code is a bearer secret until it is exchanged: keep it out of logs and assertion messages
            return "Authorized[code=<redacted>]";
        }
    }

    /** The provider (with our state, so genuinely for this sign-in) said no, e.g. {@code access_denied}: the flow ends. */
    record Denied(String error, String description) implements CallbackOutcome {
    }

    /**
     * Not an answer to this sign-in (missing or wrong state, another issuer, no code): ignored, and the
     * flow keeps waiting, so a stray or forged request cannot end it. The reason is safe to show.
     */
    record Rejected(String reason) implements CallbackOutcome {
    }
}
