package dev.integ.oauth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether the query of a redirect is the answer to this sign-in (RFC 6749 section 4.1.2,
 * RFC 9207 for {@code iss}). Used for both the loopback receiver and a pasted redirect URL.
 */
public final class CallbackCheck {
    /**
     * Key {@link #parseQuery} adds when a parameter that decides the outcome appears more than once:
     * which copy a server would honour is ambiguous, so such an answer is never accepted. A query can
     * forge this key too, but that only gets its own request rejected.
     */
    static final String REPEATED = "\u0000repeated";

    private static final Set<String> DECIDING = Set.of("state", "code", "iss", "error");

    private final byte[] expectedState;
    private final String expectedIssuer;
    private final boolean issuerRequired;

    /**
     * @param expectedState  the state sent in the authorization request
     * @param expectedIssuer the authorization server's issuer identifier, or null when unknown
     * @param issuerRequired the server advertises {@code authorization_response_iss_parameter_supported}:
     *                       an answer without {@code iss} is then rejected
     */
    public CallbackCheck(String expectedState, String expectedIssuer, boolean issuerRequired) {
        if (expectedState == null || expectedState.isEmpty()) {
            throw new IllegalArgumentException("a sign-in needs a state");
        }
        this.expectedState = expectedState.getBytes(StandardCharsets.UTF_8);
        this.expectedIssuer = expectedIssuer;
        this.issuerRequired = issuerRequired;
    }

    public CallbackOutcome check(Map<String, String> params) {
        if (params.containsKey(REPEATED)) {
            return new CallbackOutcome.Rejected("the answer repeats " + params.get(REPEATED));
        }
        // state first, before even looking at error: without our state a request proves nothing, and a
        // forged error must not be able to end the sign-in
        String state = params.get("state");
        if (state == null) {
            return new CallbackOutcome.Rejected("the answer has no state, so it does not belong to this sign-in");
        }
        if (!MessageDigest.isEqual(expectedState, state.getBytes(StandardCharsets.UTF_8))) {
            return new CallbackOutcome.Rejected("state does not match this sign-in");
        }
        // RFC 9207 asks for the issuer check on error answers too (mix-up attacks), hence before error
        String issuer = params.get("iss");
        if (issuer != null && expectedIssuer != null && !issuer.equals(expectedIssuer)) {
            return new CallbackOutcome.Rejected("the answer comes from a different authorization server than this sign-in uses");
        }
        if (issuer == null && issuerRequired) {
            return new CallbackOutcome.Rejected("the answer does not name its authorization server, which this provider always does");
        }
        String error = params.get("error");
        if (error != null) {
            return new CallbackOutcome.Denied(error, params.getOrDefault("error_description", ""));
        }
        String code = params.get("code");
        if (code == null || code.isEmpty()) {
            return new CallbackOutcome.Rejected("the answer has no authorization code");
        }
        return new CallbackOutcome.Authorized(code);
    }

    /**
     * The parameters of a raw (still percent-encoded) query; the first value of a name wins, and a
     * repeated state, code, iss or error is marked so that {@link #check} rejects the answer.
     * Malformed pairs are skipped.
     */
    public static Map<String, String> parseQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        Map<String, String> params = new LinkedHashMap<>();
        Set<String> repeated = new TreeSet<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = decode(eq < 0 ? pair : pair.substring(0, eq));
                value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            } catch (IllegalArgumentException malformedPercentEncoding) {
                continue;
            }
            if (params.putIfAbsent(name, value) != null && DECIDING.contains(name)) {
                repeated.add(name);
            }
        }
        if (!repeated.isEmpty()) {
            params.put(REPEATED, String.join(", ", repeated));
        }
        return Collections.unmodifiableMap(params);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
