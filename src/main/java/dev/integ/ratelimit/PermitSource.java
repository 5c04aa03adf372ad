package dev.integ.ratelimit;

/** Where provider calls take their permits: one atomic check of both levels per call. */
public interface PermitSource {

    /** Takes one permit for {@code provider} at both levels, or none and says when to retry. */
    Decision tryAcquire(String provider, String user);
}
