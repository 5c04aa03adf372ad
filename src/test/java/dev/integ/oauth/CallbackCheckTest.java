package dev.integ.oauth;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CallbackCheckTest {
    private static final String STATE = "s-0123456789abcdef";
    private static final String ISSUER = "https://auth.example.com";

    private final CallbackCheck check = new CallbackCheck(STATE, null, false);

    @Test
    void theRightStateAndACodeAreAuthorized() {
        assertThat(check.check(Map.of("state", STATE, "code", "c0de")))
                .isEqualTo(new CallbackOutcome.Authorized("c0de"));
    }

    @Test
    void aMissingOrWrongStateIsRejected() {
        assertThat(check.check(Map.of("code", "c0de"))).isInstanceOf(CallbackOutcome.Rejected.class);
        assertThat(check.check(Map.of("state", STATE + "x", "code", "c0de")))
                .isEqualTo(new CallbackOutcome.Rejected("state does not match this sign-in"));
        assertThat(check.check(Map.of("state", "", "code", "c0de"))).isInstanceOf(CallbackOutcome.Rejected.class);
    }

    @Test
    void aForgedErrorWithoutTheStateCannotEndTheFlow() {
        assertThat(check.check(Map.of("error", "access_denied"))).isInstanceOf(CallbackOutcome.Rejected.class);
        assertThat(check.check(Map.of("state", "guess", "error", "access_denied"))).isInstanceOf(CallbackOutcome.Rejected.class);
    }

    @Test
    void anErrorWithTheRightStateIsDenied() {
        assertThat(check.check(Map.of("state", STATE, "error", "access_denied", "error_description", "user said no")))
                .isEqualTo(new CallbackOutcome.Denied("access_denied", "user said no"));
        assertThat(check.check(Map.of("state", STATE, "error", "access_denied", "code", "c0de")))
                .isEqualTo(new CallbackOutcome.Denied("access_denied", ""));
    }

    @Test
    void noCodeIsRejected() {
        assertThat(check.check(Map.of("state", STATE))).isEqualTo(new CallbackOutcome.Rejected("the answer has no authorization code"));
        assertThat(check.check(Map.of("state", STATE, "code", ""))).isInstanceOf(CallbackOutcome.Rejected.class);
    }

    @Test
    void anIssuerThatIsPresentMustMatch() {
        CallbackCheck withIssuer = new CallbackCheck(STATE, ISSUER, false);
        assertThat(withIssuer.check(Map.of("state", STATE, "code", "c", "iss", ISSUER))).isInstanceOf(CallbackOutcome.Authorized.class);
        assertThat(withIssuer.check(Map.of("state", STATE, "code", "c"))).isInstanceOf(CallbackOutcome.Authorized.class);
        assertThat(withIssuer.check(Map.of("state", STATE, "code", "c", "iss", "https://evil.example.com")))
                .isInstanceOf(CallbackOutcome.Rejected.class);
        // RFC 9207: error answers are checked too, so a mixed-up server cannot end the flow
        assertThat(withIssuer.check(Map.of("state", STATE, "error", "access_denied", "iss", "https://evil.example.com")))
                .isInstanceOf(CallbackOutcome.Rejected.class);
    }

    @Test
    void aRequiredIssuerMustBePresent() {
        CallbackCheck required = new CallbackCheck(STATE, ISSUER, true);
        assertThat(required.check(Map.of("state", STATE, "code", "c"))).isInstanceOf(CallbackOutcome.Rejected.class);
        assertThat(required.check(Map.of("state", STATE, "code", "c", "iss", ISSUER))).isInstanceOf(CallbackOutcome.Authorized.class);
    }

    @Test
    void withoutAKnownIssuerAnyIssIsTolerated() {
        assertThat(check.check(Map.of("state", STATE, "code", "c", "iss", "https://whoever"))).isInstanceOf(CallbackOutcome.Authorized.class);
    }

    @Test
    void parseQueryDecodesAndKeepsTheFirstValue() {
        Map<String, String> params = CallbackCheck.parseQuery("code=a%2Fb%3D&state=x+y&scope=a&scope=b&flag&=v&bad=%zz");
        assertThat(params).containsEntry("code", "a/b=").containsEntry("state", "x y").containsEntry("scope", "a")
                .containsEntry("flag", "").doesNotContainKey("bad").doesNotContainKey(CallbackCheck.REPEATED);
        assertThat(CallbackCheck.parseQuery(null)).isEmpty();
        assertThat(CallbackCheck.parseQuery("")).isEmpty();
    }

    @Test
    void aRepeatedStateOrCodeIsRejected() {
        assertThat(check.check(CallbackCheck.parseQuery("state=" + STATE + "&state=other&code=c")))
                .isEqualTo(new CallbackOutcome.Rejected("the answer repeats state"));
        assertThat(check.check(CallbackCheck.parseQuery("state=" + STATE + "&code=c&code=d")))
                .isEqualTo(new CallbackOutcome.Rejected("the answer repeats code"));
        assertThat(check.check(CallbackCheck.parseQuery("state=" + STATE + "&code=c&error=x&error=y")))
                .isInstanceOf(CallbackOutcome.Rejected.class);
    }

    @Test
    void authorizedNeverShowsTheCode() {
        assertThat(new CallbackOutcome.Authorized("secret-code-123").toString()).doesNotContain("secret-code-123");
    }
}
