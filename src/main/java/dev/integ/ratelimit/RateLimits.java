package dev.integ.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The limits of every provider, at two levels: each user of a provider, and the provider overall
 * (all users of the company together). Built-in defaults follow the reference: Google Drive 1000
 * per 100 s per user, Slack 50 per minute, Jira 300 per minute, and 1000 per minute overall.
 */
public final class RateLimits {
    /** The overall limit of a provider the config does not mention. */
    public static final Limit DEFAULT_OVERALL = new Limit(1000, Duration.ofMinutes(1));
    /** The per-user limit of a provider the config does not mention. */
    public static final Limit DEFAULT_PER_USER = new Limit(1000, Duration.ofMinutes(1));

    private static final Map<String, Limit> BUILT_IN_PER_USER = Map.of(
            "google", new Limit(1000, Duration.ofSeconds(100)),
            "slack", new Limit(50, Duration.ofMinutes(1)),
            "jira", new Limit(300, Duration.ofMinutes(1)));

    /** Both levels of one provider. */
    public record Pair(Limit perUser, Limit overall) {
    }

    private final Map<String, Pair> configured;

    /** @param configured per provider, from the config file; missing levels take the defaults */
    public RateLimits(Map<String, Pair> configured) {
        this.configured = new TreeMap<>(configured);
    }

    public static RateLimits defaults() {
        return new RateLimits(Map.of());
    }

    /** The providers with limits of their own: the built-ins and those in the config file. */
    public java.util.Set<String> providers() {
        java.util.Set<String> names = new java.util.TreeSet<>(BUILT_IN_PER_USER.keySet());
        names.addAll(configured.keySet());
        return names;
    }

    public Pair of(String provider) {
        Pair set = configured.get(provider);
        Limit perUser = set != null && set.perUser() != null ? set.perUser() : BUILT_IN_PER_USER.getOrDefault(provider, DEFAULT_PER_USER);
        Limit overall = set != null && set.overall() != null ? set.overall() : DEFAULT_OVERALL;
        return new Pair(perUser, overall);
    }
}
