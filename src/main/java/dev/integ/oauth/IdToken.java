package dev.integ.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.integ.core.IntegException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The claims of an OpenID Connect id_token that came with a sign-in, and the checks OIDC Core
 * §3.1.3.7 asks of a client. The signature is not verified: the token came straight from the token
 * endpoint over TLS, which step 6 allows in its place. What is checked is that the token was issued
 * by this provider, to this client, for this sign-in (the nonce), and is not stale.
 *
 * @param issuer   {@code iss}
 * @param audience {@code aud} (a string or an array in the token)
 * @param azp      {@code azp}, the authorized party, or null
 * @param subject  {@code sub}: the account's stable identifier at the provider
 * @param expires  {@code exp}
 * @param nonce    {@code nonce}, or null
 * @param email    {@code email}, or null
 */
public record IdToken(String issuer, List<String> audience, String azp, String subject, Instant expires, String nonce,
                      String email) {
    /** Clock skew tolerated between integ's machine and the provider's. */
    static final Duration SKEW = Duration.ofMinutes(5);

    public IdToken {
        audience = List.copyOf(audience);
    }

    /** Without the nonce: it is this sign-in's secret until the sign-in ends. */
    @Override
    public String toString() {
        return "IdToken[iss=" + issuer + ", aud=" + audience + ", sub=" + subject + ", exp=" + expires + "]";
    }

    /**
     * The claims of {@code jwt} if it is this sign-in's (connect).
     *
     * @param expectedIssuer the provider's issuer, or null when integ does not know it
     * @param clientId       integ's client id at the provider
     * @param expectedNonce  the nonce sent with this sign-in, or null when none was
     * @throws IntegException "a human must act": the token is not this sign-in's; the token itself is never echoed
     */
    public static IdToken checked(String provider, String jwt, String expectedIssuer, String clientId, String expectedNonce, Instant now) {
        try {
            IdToken token = parse(jwt);
            Optional<String> problem = token.problem(expectedIssuer, clientId, expectedNonce, now);
            if (problem.isPresent()) {
                throw invalid(provider, problem.get());
            }
            return token;
        } catch (IllegalArgumentException malformed) {
            throw invalid(provider, malformed.getMessage());
        }
    }

    /**
     * What is wrong with an id_token that came with a refresh (OIDC Core §12.2: the original's issuer,
     * audience and subject; no nonce, and its expiry is the provider's business), or empty.
     *
     * @param subject the credential's account subject, or null when it has none on record
     */
    public static Optional<String> refreshProblem(String jwt, String expectedIssuer, String clientId, String subject) {
        try {
            IdToken token = parse(jwt);
            return token.problem(expectedIssuer, clientId, null, null)
                    .or(() -> subject == null || subject.equals(token.subject()) ? Optional.empty()
                            : Optional.of("it names another account (sub) than the credential's"));
        } catch (IllegalArgumentException malformed) {
            return Optional.of(malformed.getMessage());
        }
    }

    /** Reads the claims of a compact JWT. @throws IllegalArgumentException saying what is malformed (never the token) */
    static IdToken parse(String compact) {
        String[] parts = compact.split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("it is not a compact JWT (header.payload.signature)");
        }
        JsonNode claims;
        try {
            claims = ProviderClient.JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | IOException e) {
            throw new IllegalArgumentException("its payload is not base64url-encoded JSON");
        }
        if (claims == null || !claims.isObject()) {
            throw new IllegalArgumentException("its payload is not a JSON object");
        }
        List<String> audience = new ArrayList<>();
        JsonNode aud = claims.path("aud");
        if (aud.isTextual()) {
            audience.add(aud.asText());
        } else if (aud.isArray()) {
            aud.forEach(a -> audience.add(a.asText()));
        }
        JsonNode exp = claims.path("exp");
        return new IdToken(text(claims, "iss"), audience, text(claims, "azp"), text(claims, "sub"),
                exp.canConvertToLong() ? Instant.ofEpochSecond(exp.asLong()) : null, text(claims, "nonce"), text(claims, "email"));
    }

    /** @param now null: the expiry is not checked */
    Optional<String> problem(String expectedIssuer, String clientId, String expectedNonce, Instant now) {
        if (expectedIssuer != null && !sameIssuer(expectedIssuer, issuer)) {
            return Optional.of(issuer == null ? "it names no issuer (iss)" : "it was issued by " + issuer + ", not " + expectedIssuer);
        }
        if (!audience.contains(clientId)) {
            return Optional.of("it was issued to " + (audience.isEmpty() ? "no audience" : String.join(", ", audience))
                    + ", not to integ's client " + clientId);
        }
        if ((audience.size() > 1 || azp != null) && !clientId.equals(azp)) {
            return Optional.of(azp == null ? "it has several audiences and no authorized party (azp)"
                    : "its authorized party (azp) is " + azp + ", not " + clientId);
        }
        if (subject == null || subject.isEmpty()) {
            return Optional.of("it names no subject (sub)");
        }
        if (now != null && (expires == null || !now.isBefore(expires.plus(SKEW)))) {
            return Optional.of(expires == null ? "it has no expiry (exp)" : "it expired at " + expires);
        }
        if (expectedNonce != null && (nonce == null || !MessageDigest.isEqual(
                expectedNonce.getBytes(StandardCharsets.UTF_8), nonce.getBytes(StandardCharsets.UTF_8)))) {
            // an id_token minted for another sign-in (OIDC Core §15.5.2): the code was injected or replayed
            return Optional.of(nonce == null ? "it carries no nonce, though this sign-in sent one" : "its nonce is not this sign-in's");
        }
        return Optional.empty();
    }

    /**
     * Google's tokens say "accounts.google.com" as often as "https://accounts.google.com": an issuer
     * without its https:// scheme names the same host and is accepted; nothing else is.
     */
    private static boolean sameIssuer(String expected, String actual) {
        return actual != null && (actual.equals(expected) || ("https://" + actual).equals(expected));
    }

    static IntegException invalid(String provider, String why) {
        return IntegException.humanAction("the id_token from " + provider + " does not belong to this sign-in", why,
                "nothing was stored; run the command again, and if it repeats, check providers." + provider + ".issuer and its client id");
    }

    private static String text(JsonNode claims, String name) {
        JsonNode v = claims.path(name);
        return v.isTextual() ? v.asText() : null;
    }
}
