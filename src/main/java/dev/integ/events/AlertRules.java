package dev.integ.events;

import dev.integ.core.Durations;
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
 * after the window, so each check is one pipelined round trip of O(1) commands whatever the traffic.
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

    /** Counts the event and returns the alerts it triggers that have not fired in their window yet. */
    List<Alert> evaluate(UnifiedJedis redis, RedisKeys keys, Instant now, String provider, String userHmac,
                         String action, boolean failure) {
        long nowMs = now.toEpochMilli();
        long hourStart = Math.floorDiv(nowMs, HOUR.toMillis()) * HOUR.toMillis();
        long quarterStart = Math.floorDiv(nowMs, FAILURE_WINDOW.toMillis()) * FAILURE_WINDOW.toMillis();
        List<Alert> candidates = new ArrayList<>();
        if (provider != null || (userHmac != null && !userHmac.isEmpty())) {
            countAndCheck(redis, keys, nowMs, hourStart, quarterStart, provider, userHmac, failure, candidates);
        }
        if (IMMEDIATE.contains(action)) {
            candidates.add(new Alert(action.replace('.', '_'), HOUR, Instant.ofEpochMilli(hourStart), 1, 0));
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        return claim(redis, keys, nowMs, provider, userHmac, candidates);
    }

    /** The rate rules, for events that name a provider or a user (keys.* and the like count nowhere). */
    private void countAndCheck(UnifiedJedis redis, RedisKeys keys, long nowMs, long hourStart, long quarterStart,
                               String provider, String userHmac, boolean failure, List<Alert> candidates) {
        long hourMs = HOUR.toMillis();
        long quarterMs = FAILURE_WINDOW.toMillis();
        String hourKey = keys.eventsWindow(provider, userHmac, hourMs, hourStart);
        String quarterKey = keys.eventsWindow(provider, userHmac, quarterMs, quarterStart);
        Response<Long> total;
        Response<Long> hourFailures;
        Response<Long> quarterFailures;
        try (AbstractPipeline p = redis.pipelined()) {
            total = p.hincrBy(hourKey, "n", 1);
            hourFailures = p.hincrBy(hourKey, "f", failure ? 1 : 0);
            // relative TTLs: the recording clock need not agree with the server's
            p.pexpire(hourKey, hourStart + 2 * hourMs - nowMs);
            quarterFailures = p.hincrBy(quarterKey, "f", failure ? 1 : 0);
            p.pexpire(quarterKey, quarterStart + 2 * quarterMs - nowMs);
            p.sync();
        }
        long n = total.get();
        long f = hourFailures.get();
        long qf = quarterFailures.get();
        if (n > maxEventsPerHour) {
            candidates.add(new Alert("volume", HOUR, Instant.ofEpochMilli(hourStart), n, maxEventsPerHour));
        }
        if (qf > maxFailuresPerWindow) {
            candidates.add(new Alert("failures", FAILURE_WINDOW, Instant.ofEpochMilli(quarterStart), qf, maxFailuresPerWindow));
        }
        if (n >= failureRateMinEvents && f * 100 > (long) failureRatePercent * n) {
            candidates.add(new Alert("failure_rate", HOUR, Instant.ofEpochMilli(hourStart), f, failureRatePercent));
        }
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
            if ("OK".equals(claimed.get(i).get())) {
                fired.add(candidates.get(i));
            }
        }
        return fired;
    }
}
