package dev.integ.oauth;

import java.util.Base64;

/** The {@code state} of one sign-in: 256 random bits, used once, compared in constant time by {@link CallbackCheck}. */
public final class SignInState {
    private SignInState() {
    }

    public static String generate() {
        return base64Url(Pkce.randomBytes(32));
    }

    static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
