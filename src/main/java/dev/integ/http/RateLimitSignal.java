package dev.integ.http;

/** One way a provider says "too many requests, come back later". */
@FunctionalInterface
public interface RateLimitSignal {

    boolean isRateLimited(ProviderAnswer answer);
}
