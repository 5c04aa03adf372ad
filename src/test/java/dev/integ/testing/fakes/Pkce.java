package dev.integ.testing.fakes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** RFC 7636 arithmetic, for the fakes (checking) and for tests that play the client. */
public final class Pkce {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Pkce() {
    }

    /** 32 random bytes, base64url without padding: 43 characters. */
    public static String newVerifier() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** BASE64URL-no-pad(SHA-256(ASCII(verifier))). */
    public static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code verifier} answers {@code challenge} under {@code method} ("S256" or "plain"). */
    public static boolean matches(String method, String challenge, String verifier) {
        if (challenge == null || verifier == null) {
            return false;
        }
        byte[] expected = challenge.getBytes(StandardCharsets.US_ASCII);
        byte[] actual = switch (method) {
            case "S256" -> s256(verifier).getBytes(StandardCharsets.US_ASCII);
            case "plain" -> verifier.getBytes(StandardCharsets.US_ASCII);
            default -> null;
        };
        return actual != null && MessageDigest.isEqual(expected, actual);
    }
}
