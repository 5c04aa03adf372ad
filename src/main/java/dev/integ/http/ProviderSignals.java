package dev.integ.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Which answers mean "rate limited", per provider. Kept as a table so that adding a provider is one
 * line, and the retry logic never tests for a provider by name.
 */
public final class ProviderSignals {

    /** HTTP 429, which every provider uses (Slack, Google and Atlassian alike). */
    public static final RateLimitSignal TOO_MANY_REQUESTS = answer -> answer.status() == 429;

    /**
     * Slack's Web API answers errors with {"ok":false,"error":...}, usually over HTTP 200: a rate limit
     * can arrive that way as well as a 429. The docs spell it both "ratelimited" and "rate_limited".
     */
    public static final RateLimitSignal SLACK_RATELIMITED = answer ->
            answer.json().path("ok").isBoolean() && !answer.json().path("ok").asBoolean()
                    && Set.of("ratelimited", "rate_limited").contains(answer.errorCode());

    /**
     * Google says "slow down" with a 403 whose reason is rateLimitExceeded or userRateLimitExceeded, in
     * error.errors[].reason (Drive v3), error.details[].reason or error.status (newer APIs). Any other
     * 403 (insufficientPermissions, a daily quota) is a real denial.
     */
    public static final RateLimitSignal GOOGLE_RATE_LIMIT_403 = answer ->
            answer.status() == 403 && googleReasons(answer.json().path("error")).anyMatch(ProviderSignals::isGoogleRateReason);

    private static final List<RateLimitSignal> ANY_PROVIDER = List.of(TOO_MANY_REQUESTS);

    private final Map<String, List<RateLimitSignal>> byProvider;

    private ProviderSignals(Map<String, List<RateLimitSignal>> byProvider) {
        this.byProvider = Map.copyOf(byProvider);
    }

    /** Slack, Google and Jira (Atlassian, whose 429 is the only signal) as integ knows them. */
    public static ProviderSignals standard() {
        return new ProviderSignals(Map.of(
                "slack", List.of(TOO_MANY_REQUESTS, SLACK_RATELIMITED),
                "google", List.of(TOO_MANY_REQUESTS, GOOGLE_RATE_LIMIT_403),
                "jira", ANY_PROVIDER,
                "atlassian", ANY_PROVIDER));
    }

    /** These signals plus {@code signals} for {@code provider} (429 always counts). */
    public ProviderSignals with(String provider, RateLimitSignal... signals) {
        Map<String, List<RateLimitSignal>> copy = new HashMap<>(byProvider);
        List<RateLimitSignal> list = new ArrayList<>(copy.getOrDefault(provider, ANY_PROVIDER));
        list.addAll(List.of(signals));
        copy.put(provider, list);
        return new ProviderSignals(copy);
    }

    public boolean isRateLimited(String provider, ProviderAnswer answer) {
        return byProvider.getOrDefault(provider, ANY_PROVIDER).stream().anyMatch(s -> s.isRateLimited(answer));
    }

    private static Stream<String> googleReasons(JsonNode error) {
        Stream<String> own = Stream.of(error.path("status"), error.path("reason")).filter(JsonNode::isTextual).map(JsonNode::asText);
        Stream<String> listed = Stream.of(error.path("errors"), error.path("details"))
                .flatMap(list -> StreamSupport.stream(list.spliterator(), false))
                .map(item -> item.path("reason"))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText);
        return Stream.concat(own, listed);
    }

    /** Matches rateLimitExceeded, userRateLimitExceeded and the newer RATE_LIMIT_EXCEEDED spelling. */
    private static boolean isGoogleRateReason(String reason) {
        String plain = reason.replace("_", "").toLowerCase(Locale.ROOT);
        return plain.equals("ratelimitexceeded") || plain.equals("userratelimitexceeded");
    }
}
