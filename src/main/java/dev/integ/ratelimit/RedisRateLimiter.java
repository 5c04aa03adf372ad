package dev.integ.ratelimit;

import dev.integ.store.RedisKeys;
import dev.integ.store.RedisScript;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GCRA (the generic cell rate algorithm behind redis-cell) in one Lua script: both levels checked
 * and taken atomically in one round trip, with Redis' own clock. Each level keeps one number, its
 * theoretical arrival time (TAT); the two keys share the provider as hash tag, so one Cluster slot.
 *
 * <p>Measured alternatives are in ARCHITECTURE.md: Bucket4j's Jedis integration costs a GET plus an
 * EVAL per uncontended check and several retries under contention.
 */
public final class RedisRateLimiter implements PermitSource {
    /**
     * KEYS: user level, provider level. ARGV: interval and period (ms) of each level, then "now" in ms
     * (empty: the server's clock; tests pin it to probe window edges).
     * Returns {allowed, retry-after ms, denied-by, user permits left, provider permits left}.
     */
    private static final RedisScript ACQUIRE = new RedisScript("""
            local EPSILON = 0.01 -- ms: 1000/15 ms is not exact in a double, and each TAT step at epoch-ms magnitude rounds by up to 0.1 µs
            local now
            if ARGV[5] ~= '' then now = tonumber(ARGV[5]) else
              local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
            end
            local wait, deniedBy, tats, avail = 0, '', {}, {}
            for i = 1, 2 do
              local interval, period = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
              local tat = tonumber(redis.call('GET', KEYS[i]) or now)
              if tat < now then tat = now end
              local allowAt = tat + interval - period
              if allowAt - now > EPSILON and allowAt - now > wait then
                wait = allowAt - now
                deniedBy = (i == 1) and 'user' or 'provider'
              end
              tats[i] = tat + interval
              avail[i] = math.floor((now + period - tat) / interval + EPSILON)
            end
            if wait > 0 then
              return {0, tostring(math.ceil(wait)), deniedBy, math.max(avail[1], 0), math.max(avail[2], 0)}
            end
            for i = 1, 2 do
              -- %.17g keeps every bit of the double: tostring's 14 digits would drift by 0.1 ms a permit
              redis.call('SET', KEYS[i], string.format('%.17g', tats[i]), 'PX', math.max(1, math.ceil(tats[i] - now)))
            end
            return {1, '0', '', avail[1] - 1, avail[2] - 1}
            """);
    /** Same arguments; takes nothing. Returns {user permits left, ms until user level is full, the same for provider}. */
    private static final RedisScript PEEK = new RedisScript("""
            local EPSILON = 0.01
            local now
            if ARGV[5] ~= '' then now = tonumber(ARGV[5]) else
              local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
            end
            local out = {}
            for i = 1, 2 do
              local interval, period = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
              local tat = tonumber(redis.call('GET', KEYS[i]) or now)
              if tat < now then tat = now end
              out[2 * i - 1] = math.min(math.floor((now + period - tat) / interval + EPSILON), math.floor(period / interval + EPSILON))
              out[2 * i] = tostring(math.ceil(tat - now))
            end
            return out
            """);

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final RateLimits limits;
    private final String scope;

    /** What `ratelimit status` shows for one level. */
    public record LevelStatus(Limit limit, long remaining, Duration untilFull) {
    }

    public record Status(LevelStatus user, LevelStatus provider) {
    }

    public RedisRateLimiter(UnifiedJedis redis, RedisKeys keys, RateLimits limits) {
        this(redis, keys, limits, null);
    }

    private RedisRateLimiter(UnifiedJedis redis, RedisKeys keys, RateLimits limits, String scope) {
        this.redis = redis;
        this.keys = keys;
        this.limits = limits;
        this.scope = scope;
    }

    /** The same limits on keys of their own, so a trial run leaves real budgets untouched. */
    public RedisRateLimiter scratch(String id) {
        return new RedisRateLimiter(redis, keys, limits, "scratch-" + id);
    }

    public RateLimits limits() {
        return limits;
    }

    @Override
    public Decision tryAcquire(String provider, String user) {
        return acquireAt(provider, user, null);
    }

    /** @param nowMillis the clock to use instead of the server's: for tests of the algorithm only */
    Decision acquireAt(String provider, String user, Long nowMillis) {
        List<?> reply = (List<?>) ACQUIRE.eval(redis, keys(provider, user), args(provider, nowMillis));
        boolean allowed = ((Long) reply.get(0)) == 1L;
        String deniedBy = text(reply.get(2));
        return new Decision(allowed, Duration.ofMillis(Long.parseLong(text(reply.get(1)))), deniedBy.isEmpty() ? null : deniedBy,
                (Long) reply.get(3), (Long) reply.get(4));
    }

    /** @param user null for the provider level alone (then {@link Status#user()} is null) */
    public Status status(String provider, String user) {
        return statusAt(provider, user, null);
    }

    Status statusAt(String provider, String user, Long nowMillis) {
        List<?> reply = (List<?>) PEEK.eval(redis, keys(provider, user == null ? "" : user), args(provider, nowMillis));
        RateLimits.Pair pair = limits.of(provider);
        LevelStatus userLevel = new LevelStatus(pair.perUser(), (Long) reply.get(0), Duration.ofMillis(Math.max(0, Long.parseLong(text(reply.get(1))))));
        return new Status(user == null ? null : userLevel,
                new LevelStatus(pair.overall(), (Long) reply.get(2), Duration.ofMillis(Math.max(0, Long.parseLong(text(reply.get(3)))))));
    }

    /** Clears one user's level, or (user null) the provider's overall level and every user's. @return keys removed */
    public long reset(String provider, String user) {
        if (user != null) {
            return redis.del(keys.rateLimitUser(provider, user, scope));
        }
        long removed = redis.del(keys.rateLimitOverall(provider, scope));
        ScanIteration users = redis.scanIteration(1000, keys.rateLimitUserPattern(provider, scope));
        while (!users.isIterationCompleted()) {
            for (String key : users.nextBatch().getResult()) {
                removed += redis.del(key);
            }
        }
        return removed;
    }

    private List<byte[]> keys(String provider, String user) {
        return List.of(bytes(keys.rateLimitUser(provider, user, scope)), perProvider(provider).overallKey());
    }

    private List<byte[]> args(String provider, Long nowMillis) {
        byte[][] limitArgs = perProvider(provider).limitArgs();
        return List.of(limitArgs[0], limitArgs[1], limitArgs[2], limitArgs[3], nowMillis == null ? NO_CLOCK : bytes(Long.toString(nowMillis)));
    }

    private static final byte[] NO_CLOCK = new byte[0];

    /** What every check of a provider sends the same: computed once, not per check (this is a hot path). */
    private record ProviderArgs(byte[] overallKey, byte[][] limitArgs) {
    }

    private final ConcurrentHashMap<String, ProviderArgs> perProvider = new ConcurrentHashMap<>();

    private ProviderArgs perProvider(String provider) {
        return perProvider.computeIfAbsent(provider, p -> {
            RateLimits.Pair pair = limits.of(p);
            return new ProviderArgs(bytes(keys.rateLimitOverall(p, scope)), new byte[][] {
                    bytes(Double.toString(pair.perUser().intervalMillis())), bytes(Long.toString(pair.perUser().period().toMillis())),
                    bytes(Double.toString(pair.overall().intervalMillis())), bytes(Long.toString(pair.overall().period().toMillis()))});
        });
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
