package dev.integ.events;

import dev.integ.core.IntegException;
import dev.integ.store.AclRoles;
import dev.integ.store.RedisErrors;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads the security event log: queries (XRANGE / XREVRANGE in batches, bounded by the stream ids
 * that {@code since} and {@code until} give), stats, and a tail that follows new events with
 * blocking XREAD and survives Redis restarts.
 */
public final class EventReader {
    static final int BATCH = 500;

    /** How the tail waits between reconnection attempts; tests may replace it. */
    public interface Pause {
        Pause SLEEP = d -> Thread.sleep(d.toMillis());

        void pause(Duration d) throws InterruptedException;
    }

    /** What the tail reports besides events: a lost connection, and the wait before the next try. */
    public interface TailListener {
        TailListener NONE = (e, wait) -> { };

        void disconnected(RuntimeException cause, Duration wait);
    }

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final UserHasher hasher;
    private final Duration block;

    /** @param block how long one XREAD blocks; keep it below the client's socket timeout */
    public EventReader(UnifiedJedis redis, RedisKeys keys, UserHasher hasher, Duration block) {
        this.redis = redis;
        this.keys = keys;
        this.hasher = hasher;
        this.block = block;
    }

    /** The HMAC to filter on: null for no user filter, empty when no event can name the user. */
    private Optional<String> userFilter(EventQuery q) {
        if (q.user() == null) {
            return Optional.of("");
        }
        return hasher.find(q.user());
    }

    /** Streams the matching events to {@code sink} in id order (reversed with {@code reverse}); returns how many. */
    public long query(EventQuery q, Consumer<StoredEvent> sink) {
        Optional<String> user = userFilter(q);
        if (user.isEmpty()) {
            return 0;
        }
        String hmac = user.get().isEmpty() ? null : user.get();
        String low = q.since() == null ? "-" : Long.toString(q.since().toEpochMilli());
        String high = q.until() == null ? "+" : Long.toString(q.until().toEpochMilli());
        long found = 0;
        try {
            while (true) {
                List<StreamEntry> batch = q.reverse()
                        ? redis.xrevrange(keys.events(), high, low, BATCH)
                        : redis.xrange(keys.events(), low, high, BATCH);
                for (StreamEntry entry : batch) {
                    StoredEvent e = StoredEvent.of(entry.getID().toString(), entry.getFields());
                    if (q.matches(e, hmac)) {
                        sink.accept(e);
                        found++;
                        if (q.limit() > 0 && found >= q.limit()) {
                            return found;
                        }
                    }
                }
                if (batch.size() < BATCH) {
                    return found;
                }
                String last = batch.get(batch.size() - 1).getID().toString();
                if (q.reverse()) {
                    high = "(" + last;
                } else {
                    low = "(" + last;
                }
            }
        } catch (JedisException e) {
            throw readFailure(e);
        }
    }

    /** Counts per action, result and provider. */
    public record Stats(Instant since, long total, Map<String, Long> byAction, Map<String, Long> byResult,
                        Map<String, Long> byProvider) {
    }

    public Stats stats(EventQuery q) {
        Map<String, Long> actions = new TreeMap<>();
        Map<String, Long> results = new TreeMap<>();
        Map<String, Long> providers = new TreeMap<>();
        long total = query(new EventQuery(q.provider(), q.user(), q.action(), q.result(), q.since(), q.until(), 0, false,
                q.alertsOnly()), e -> {
            actions.merge(e.action(), 1L, Long::sum);
            results.merge(e.result(), 1L, Long::sum);
            providers.merge(e.provider().isEmpty() ? "-" : e.provider(), 1L, Long::sum);
        });
        return new Stats(q.since(), total, actions, results, providers);
    }

    /** The id of the newest event, or "0-0" when the log is empty. */
    public String lastId() {
        try {
            List<StreamEntry> last = redis.xrevrange(keys.events(), "+", "-", 1);
            return last.isEmpty() ? "0-0" : last.get(0).getID().toString();
        } catch (JedisException e) {
            throw readFailure(e);
        }
    }

    /**
     * Follows the log: every event after {@code fromId} (null: after the newest one now) that passes
     * {@code filter}'s provider, user, action, result and alert filters goes to {@code sink}, until
     * {@code stop} says so (checked after every blocking read, so within {@code block}) or the thread
     * is interrupted. When Redis goes away the tail waits (100 ms doubling up to 5 s, never a tight
     * loop), reconnects and resumes after the last id it delivered, so nothing appended meanwhile is
     * missed (unless retention trimmed it first, or the server came back without its data).
     *
     * @return the last id seen, to resume from
     */
    public String tail(EventQuery filter, String fromId, Consumer<StoredEvent> sink, BooleanSupplier stop,
                       TailListener listener, Pause pause) {
        Duration minWait = Duration.ofMillis(100);
        Duration maxWait = Duration.ofSeconds(5);
        Duration wait = minWait;
        String last = fromId == null || fromId.contains("-") ? fromId : fromId + "-0";
        String hmac = null;
        boolean noUser = false;
        while (!stop.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
            try {
                if (last == null) {
                    last = lastId();
                }
                if (filter.user() != null && hmac == null && !noUser) {
                    Optional<String> h = hasher.find(filter.user());
                    hmac = h.orElse(null);
                    noUser = h.isEmpty();
                }
                List<Map.Entry<String, List<StreamEntry>>> read = redis.xread(
                        XReadParams.xReadParams().block((int) block.toMillis()).count(BATCH),
                        Map.of(keys.events(), new StreamEntryID(last)));
                wait = minWait;
                if (read == null) {
                    continue;
                }
                for (Map.Entry<String, List<StreamEntry>> stream : read) {
                    for (StreamEntry entry : stream.getValue()) {
                        last = entry.getID().toString();
                        StoredEvent e = StoredEvent.of(last, entry.getFields());
                        if (noUser && filter.user() != null) {
                            // the key did not exist when we looked: look again, it may have been created since
                            noUser = false;
                            hmac = hasher.find(filter.user()).orElse(null);
                            noUser = hmac == null;
                        }
                        if ((filter.user() == null || hmac != null) && filter.matches(e, hmac)) {
                            sink.accept(e);
                        }
                        if (stop.getAsBoolean()) {
                            return last;
                        }
                    }
                }
            } catch (JedisConnectionException e) {
                listener.disconnected(e, wait);
                try {
                    pause.pause(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
                wait = wait.multipliedBy(2).compareTo(maxWait) > 0 ? maxWait : wait.multipliedBy(2);
            } catch (JedisException e) {
                throw readFailure(e);
            }
        }
        return last;
    }

    private IntegException readFailure(JedisException e) {
        String where = "cannot read the security event log " + keys.events();
        String message = String.valueOf(e.getMessage());
        Optional<IntegException> passing = RedisErrors.serverState(e, where);
        if (passing.isPresent()) {
            return passing.get();
        }
        if (e instanceof JedisConnectionException) {
            return IntegException.retryLater(where, "Redis is unreachable: " + RedisErrors.connectionProblem(e), "retry when the store is reachable", e);
        }
        if (message.contains("WRONGTYPE")) {
            return IntegException.humanAction(where, "the key holds another type of value, not a stream",
                    "find out who wrote " + keys.events() + ", then rename or delete it").withCause(e);
        }
        if (AclRoles.isDenial(message)) {
            return AclRoles.denied(where, message, e);
        }
        return IntegException.failure(where, RedisErrors.plain(message), null, e);
    }
}
