package dev.integ.events;

import dev.integ.core.Durations;
import dev.integ.store.PipelineReplies;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The suspicious-activity rules, evaluated for every event recorded (alerts themselves excepted),
 * per provider and user (HMAC); the rate rules skip events that name neither (keys.rotate and the like).
 *
 * <p>Windows are <b>fixed and aligned to their length</b> (an hour window runs from :00:00.000 to
 * :59:59.999 UTC; a 15-minute one from :00, :15, :30, :45), counted in Redis hashes that expire
 * after the window, so each check is O(1) commands whatever the traffic.
 * The counters are incremented by the event log's append script (same Cluster slot as the log), so
 * counting costs no round trip; only a rule that fires costs one (its SET NX).
 * The price of fixed windows: a burst straddling a boundary is split in two (up to 2N-2 events in
 * an hour across two windows without an alert); a sliding window would need a sorted set per pair.
 * The clock is the recording process' (injectable), not the server's.
 *
 * <ul>
 *   <li>{@code volume}: more than {@code maxEventsPerHour} events in one hour window</li>
 *   <li>{@code failures}: more than {@code maxFailuresPerWindow} failures in one 15-minute window</li>
 *   <li>{@code failure_rate}: failures over {@code failureRatePercent}% of the events of one hour
 *       window, once the window holds at least {@code failureRateMinEvents} events</li>
 *   <li>{@code integrity_failure}, {@code state_mismatch}: any such event (window: one hour)</li>
 * </ul>
 * A rule alerts at most once per window and pair: SET NX on a key naming rule and window.
 */
public record AlertRules(int maxEventsPerHour, int maxFailuresPerWindow, int failureRatePercent, int failureRateMinEvents) {
    public static final AlertRules DEFAULTS = new AlertRules(100, 10, 10, 20);
    public static final Duration HOUR = Duration.ofHours(1);
    public static final Duration FAILURE_WINDOW = Duration.ofMinutes(15);
    static final Set<String> IMMEDIATE = Set.of("integrity.failure", "state.mismatch");

    /** A rule that fired, for the first time in its window. */
    public record Alert(String rule, Duration window, Instant windowStart, long count, long threshold) {
        public String action() {
            return RedisEventLog.ALERT_PREFIX + rule;
        }

        Map<String, String> details() {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("rule", rule);
            d.put("window", Durations.format(window));
            d.put("window_start", windowStart.toString());
            d.put("count", Long.toString(count));
            d.put("threshold", Long.toString(threshold));
            return d;
        }
    }

    /**
     * The two window counters of one provider and user (hash tag of the event log: the append script
     * increments them in the same call, so counting costs no round trip of its own), with their
     * relative TTLs (the recording clock need not agree with the server's).
     */
    record Windows(String hourKey, String quarterKey, long hourTtlMillis, long quarterTtlMillis, long hourStart, long quarterStart) {
    }

    /** The counters the event counts in; null for events that name neither a provider nor a user (keys.* and the like). */
    static Windows windows(RedisKeys keys, Instant now, String provider, String userHmac) {
        if (provider == null && (userHmac == null || userHmac.isEmpty())) {
            return null;
        }
        long nowMs = now.toEpochMilli();
        long hourMs = HOUR.toMillis();
        long quarterMs = FAILURE_WINDOW.toMillis();
        long hourStart = Math.floorDiv(nowMs, hourMs) * hourMs;
        long quarterStart = Math.floorDiv(nowMs, quarterMs) * quarterMs;
        return new Windows(keys.eventsWindow(provider, userHmac, hourMs, hourStart), keys.eventsWindow(provider, userHmac, quarterMs, quarterStart),
                hourStart + 2 * hourMs - nowMs, quarterStart + 2 * quarterMs - nowMs, hourStart, quarterStart);
    }

    /**
     * The alerts an event triggers that have not fired in their window yet, given the counts after
     * it (events and failures in its hour window, failures in its quarter; all zero without windows).
     */
    List<Alert> evaluate(UnifiedJedis redis, RedisKeys keys, Instant now, Windows w, long n, long f, long qf, String provider,
                         String userHmac, String action) {
        List<Alert> candidates = new ArrayList<>();
        long hourStart = Math.floorDiv(now.toEpochMilli(), HOUR.toMillis()) * HOUR.toMillis();
        if (w != null) {
            if (n > maxEventsPerHour) {
                candidates.add(new Alert("volume", HOUR, Instant.ofEpochMilli(w.hourStart()), n, maxEventsPerHour));
            }
            if (qf > maxFailuresPerWindow) {
                candidates.add(new Alert("failures", FAILURE_WINDOW, Instant.ofEpochMilli(w.quarterStart()), qf, maxFailuresPerWindow));
            }
            if (n >= failureRateMinEvents && f * 100 > (long) failureRatePercent * n) {
                candidates.add(new Alert("failure_rate", HOUR, Instant.ofEpochMilli(w.hourStart()), f, failureRatePercent));
            }
        }
        if (IMMEDIATE.contains(action)) {
            candidates.add(new Alert(action.replace('.', '_'), HOUR, Instant.ofEpochMilli(hourStart), 1, 0));
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        return claim(redis, keys, now.toEpochMilli(), provider, userHmac, candidates);
    }

    /** Keeps the alerts that are the first of their rule, pair and window (SET NX), dropping the others. */
    private static List<Alert> claim(UnifiedJedis redis, RedisKeys keys, long nowMs, String provider, String userHmac,
                                     List<Alert> candidates) {
        List<Response<String>> claimed = new ArrayList<>();
        try (AbstractPipeline p = redis.pipelined()) {
            for (Alert a : candidates) {
                long end = a.windowStart().toEpochMilli() + a.window().toMillis();
                claimed.add(p.set(keys.eventsAlerted(provider, userHmac, a.rule(), a.windowStart().toEpochMilli()), "1",
                        SetParams.setParams().nx().px(end + a.window().toMillis() - nowMs)));
            }
            p.sync();
        }
        List<Alert> fired = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            if ("OK".equals(PipelineReplies.get(claimed.get(i)))) {
                fired.add(candidates.get(i));
            }
        }
        return fired;
    }
}
