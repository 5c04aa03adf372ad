package dev.integ.events;

import dev.integ.core.IntegException;
import dev.integ.store.AclRoles;
import dev.integ.store.RedisErrors;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisScript;
import dev.integ.store.ReplicaAcks;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The security event log in one Redis Stream per namespace ({@code NS:events}).
 *
 * <p>Each entry: time (the recording clock, ISO-8601 UTC), action, result, provider, user_hmac (see
 * {@link UserHasher}; the clear name is never written), actor (OS user@host), correlation (one id
 * per integ invocation) and details (a compact JSON object of strings). Empty string: none.
 *
 * <p>One script appends and trims in one round trip: XADD with MAXLEN ~ (count) and XTRIM MINID ~
 * (age, against the server's clock, as the stream ids are). "~" trims whole stream nodes only, so
 * the log may briefly hold up to one node (stream-node-max-entries, 100 by default) more than
 * the limits; appends stay O(1).
 *
 * <p>Fail closed: {@link #record} throws an {@link IntegException} when the event is not written:
 * exit code 4 (retry later) when Redis is unreachable, 5 (a human must act) when the stream key
 * holds something else or an ACL denies the commands, 1 otherwise. The alert rules are evaluated
 * after the append (one or two more round trips); their failure is reported the same way.
 */
public final class RedisEventLog implements EventLog {
    public static final String ALERT_PREFIX = "alert.";
    public static final int DEFAULT_MAX_EVENTS = 10_000;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(90);

    private static final RedisScript APPEND = new RedisScript("""
            local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))
            local t = redis.call('TIME')
            local minid = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[2])
            if minid > 0 then
              redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', minid))
            end
            return id
            """);

    /** Retention: at most {@code maxEvents} events and none older than {@code maxAge}, approximately. */
    public record Retention(long maxEvents, Duration maxAge) {
        public static final Retention DEFAULTS = new Retention(DEFAULT_MAX_EVENTS, DEFAULT_MAX_AGE);

        public Retention {
            if (maxEvents < 1 || maxAge.isNegative() || maxAge.isZero()) {
                throw IntegException.usage("invalid event retention " + maxEvents + " events, " + maxAge,
                        "both must be more than zero", null);
            }
        }
    }

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final UserHasher hasher;
    private final String actor;
    private final String correlation;
    private final Clock clock;
    private final Retention retention;
    private final AlertRules rules;
    private ReplicaAcks acks;

    public RedisEventLog(UnifiedJedis redis, RedisKeys keys, UserHasher hasher, String actor, String correlation,
                         Clock clock, Retention retention, AlertRules rules) {
        this.acks = ReplicaAcks.none(redis);
        this.redis = redis;
        this.keys = keys;
        this.hasher = hasher;
        this.actor = actor;
        this.correlation = correlation;
        this.clock = clock;
        this.retention = retention;
        this.rules = rules;
    }

    /** Appends wait for the replicas {@code acks} ask for, like every credential write. */
    public RedisEventLog acknowledgedBy(ReplicaAcks acks) {
        this.acks = acks;
        return this;
    }

    public String correlation() {
        return correlation;
    }

    @Override
    public void record(SecurityEvent event) {
        if (event.action() == null || event.action().isBlank()) {
            throw new IllegalArgumentException("an event needs an action");
        }
        if (!SecurityEvent.SUCCESS.equals(event.result()) && !SecurityEvent.FAILURE.equals(event.result())) {
            throw new IllegalArgumentException("an event's result is success or failure, not " + event.result());
        }
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // ISO-8601 to the millisecond, as stream ids
        try {
            String userHmac = event.user() == null ? "" : hasher.hash(event.user());
            append(now, event.action(), event.result(), event.provider(), userHmac, StoredEvent.detailsJson(event.details()));
            if (event.action().startsWith(ALERT_PREFIX)) {
                return;
            }
            for (AlertRules.Alert alert : rules.evaluate(redis, keys, now, event.provider(), userHmac, event.action(),
                    SecurityEvent.FAILURE.equals(event.result()))) {
                append(now, alert.action(), SecurityEvent.FAILURE, event.provider(), userHmac, StoredEvent.detailsJson(alert.details()));
            }
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    /** @return the stream id */
    private String append(Instant now, String action, String result, String provider, String userHmac, String details) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(Long.toString(retention.maxEvents())));
        args.add(bytes(Long.toString(retention.maxAge().toMillis())));
        for (Map.Entry<String, String> f : List.of(
                Map.entry("time", now.toString()),
                Map.entry("action", action),
                Map.entry("result", result),
                Map.entry("provider", provider == null ? "" : provider),
                Map.entry("user_hmac", userHmac),
                Map.entry("actor", actor),
                Map.entry("correlation", correlation),
                Map.entry("details", details))) {
            args.add(bytes(f.getKey()));
            args.add(bytes(f.getValue()));
        }
        Object id = acks.eval(APPEND, List.of(bytes(keys.events())), args);
        return id instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(id);
    }

    private IntegException failure(JedisException e) {
        String where = "cannot write the security event log " + keys.events();
        String message = String.valueOf(e.getMessage());
        Optional<IntegException> passing = RedisErrors.serverState(e, where);
        if (passing.isPresent()) {
            return passing.get().withHint("nothing was changed; " + passing.get().hint());
        }
        if (e instanceof JedisConnectionException) {
            return IntegException.retryLater(where, "Redis is unreachable: " + RedisErrors.connectionProblem(e),
                    "nothing was changed; retry when the store is reachable", e);
        }
        if (message.contains("WRONGTYPE")) {
            return IntegException.humanAction(where, "the key holds another type of value, not a stream",
                    "find out who wrote " + keys.events() + ", then rename or delete it; nothing was changed").withCause(e);
        }
        if (AclRoles.isDenial(message)) {
            IntegException denied = AclRoles.denied(where, message, e);
            return denied.withHint("nothing was changed; " + denied.hint());
        }
        return IntegException.failure(where, RedisErrors.plain(message), "nothing was changed", e);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
