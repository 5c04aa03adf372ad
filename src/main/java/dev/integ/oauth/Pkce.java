package dev.integ.oauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * An RFC 7636 proof key: a fresh 256-bit verifier per sign-in (43 base64url characters) and its S256
 * challenge. The challenge goes out with the browser; the verifier only in the token request.
 */
public record Pkce(String verifier, String challenge) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public static Pkce generate() {
        String verifier = SignInState.base64Url(randomBytes(32));
        return new Pkce(verifier, s256(verifier));
    }

    /** BASE64URL(SHA256(ASCII(verifier))), unpadded. */
    static String s256(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "Pkce[redacted]";
    }
}
