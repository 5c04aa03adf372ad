package dev.integ.events;

import java.util.Map;

/**
 * One security-relevant action, as a command reports it. The user is given in clear here; the log
 * stores only its keyed HMAC. Details must never hold a secret.
 *
 * @param action   e.g. "forget", "keys.rotate", "integrity.failure", "ratelimit.reset"
 * @param result   "success" or "failure"
 * @param provider the provider, or null
 * @param user     the user, or null
 * @param details  extra facts without secrets (key ids, counts, reasons)
 */
public record SecurityEvent(String action, String result, String provider, String user, Map<String, String> details) {
    public static final String SUCCESS = "success";
    public static final String FAILURE = "failure";

    public SecurityEvent {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public static SecurityEvent success(String action, String provider, String user, Map<String, String> details) {
        return new SecurityEvent(action, SUCCESS, provider, user, details);
    }

    public static SecurityEvent failure(String action, String provider, String user, Map<String, String> details) {
        return new SecurityEvent(action, FAILURE, provider, user, details);
    }
}
