package dev.integ.ratelimit;

import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;

import java.util.Map;

/** `ratelimit reset`: clears buckets, recorded first (a reset lifts a brake someone may have wanted on). */
public final class RateLimitReset {
    private final RedisRateLimiter limiter;
    private final EventLog events;

    public RateLimitReset(RedisRateLimiter limiter, EventLog events) {
        this.limiter = limiter;
        this.events = events;
    }

    /** @return how many buckets were cleared */
    public long reset(String provider, String user) {
        events.record(SecurityEvent.success("ratelimit.reset", provider, user, Map.of("scope", user == null ? "provider" : "user")));
        return limiter.reset(provider, user);
    }
}
