package dev.integ.ratelimit;

import java.time.Duration;

/**
 * The answer to one permit request, at both levels (provider + user, provider overall).
 *
 * @param allowed           a permit was taken at both levels (a denial takes none)
 * @param retryAfter        when denied, how long until a permit is available at every level; zero when allowed
 * @param deniedBy          when denied, which level said no: "user" or "provider"; null when allowed
 * @param userRemaining     permits left right now for this provider + user
 * @param providerRemaining permits left right now for the provider overall
 */
public record Decision(boolean allowed, Duration retryAfter, String deniedBy, long userRemaining, long providerRemaining) {
}
