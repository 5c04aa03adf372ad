package dev.integ.events;

import dev.integ.core.IntegException;
import dev.integ.store.AclRoles;
import dev.integ.store.RedisErrors;
import dev.integ.store.PipelineReplies;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
    static final int BATCH = 1000;

    /** How the tail waits between reconnection attempts; tests may replace it. */
    public interface Pause {
        Pause SLEEP = d -> Thread.sleep(d.toMillis());

        void pause(Duration d) throws InterruptedException;
    }

    /**
     * What the tail reports besides events: a lost connection and the wait before the next try, and,
     * once back, each event it delivered that the log no longer has (a failover lost it).
     */
    public interface TailListener {
        TailListener NONE = (e, wait) -> { };

        void disconnected(RuntimeException cause, Duration wait);

        default void withdrawn(String id) {
        }
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

    /**
     * Streams the matching events to {@code sink} in id order (reversed with {@code reverse}); returns how many.
     * A user or provider filter reads that index (the ids of its events, same slot) and then only
     * those events; events of the log before the chain ({@link RedisKeys#legacyEvents()}) are merged in.
     */
    public long query(EventQuery q, Consumer<StoredEvent> sink) {
        Optional<String> user = userFilter(q);
        if (user.isEmpty()) {
            return 0;
        }
        String hmac = user.get().isEmpty() ? null : user.get();
        String low = q.since() == null ? "-" : Long.toString(q.since().toEpochMilli());
        String high = q.until() == null ? "+" : Long.toString(q.until().toEpochMilli());
        String index = hmac != null ? keys.eventsByUser(hmac) : q.provider() != null ? keys.eventsByProvider(q.provider()) : null;
        try {
            Merge merge = new Merge(legacy(q, hmac, low, high), q, sink);
            while (true) {
                // a batch of the log, or of the index (then resolved to the log's events): the range moves on by the batch read
                List<StreamEntry> range = range(index == null ? keys.events() : index, low, high, q.reverse());
                List<StreamEntry> batch = index == null ? range : resolve(range);
                for (StreamEntry entry : batch) {
                    StoredEvent e = StoredEvent.of(entry.getID().toString(), entry.getFields());
                    if (q.matches(e, hmac) && !merge.offer(e)) {
                        return merge.found;
                    }
                }
                if (range.size() < BATCH) {
                    merge.rest();
                    return merge.found;
                }
                String last = range.get(range.size() - 1).getID().toString();
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

    private List<StreamEntry> range(String key, String low, String high, boolean reverse) {
        return reverse ? redis.xrevrange(key, high, low, BATCH) : redis.xrange(key, low, high, BATCH);
    }

    /** The log's events with the ids an index batch names, in one pipelined round trip; ids trimmed meanwhile are skipped. */
    private List<StreamEntry> resolve(List<StreamEntry> ids) {
        if (ids.isEmpty()) {
            return ids;
        }
        List<Response<List<StreamEntry>>> replies = new ArrayList<>(ids.size());
        try (AbstractPipeline p = redis.pipelined()) {
            for (StreamEntry i : ids) {
                String id = i.getID().toString();
                replies.add(p.xrange(keys.events(), id, id, 1));
            }
            p.sync();
        }
        List<StreamEntry> events = new ArrayList<>(ids.size());
        for (Response<List<StreamEntry>> r : replies) {
            events.addAll(PipelineReplies.get(r));
        }
        return events;
    }

    /** The matching events of the log before the chain: few (it was capped at ~10,000) and read once. */
    private List<StoredEvent> legacy(EventQuery q, String hmac, String low, String high) {
        List<StoredEvent> found = new ArrayList<>();
        String from = low;
        while (true) {
            List<StreamEntry> batch;
            try {
                batch = redis.xrange(keys.legacyEvents(), from, high, BATCH);
            } catch (JedisDataException notAStream) {
                return List.of(); // not ours to read: integ never writes that key any more
            }
            for (StreamEntry entry : batch) {
                StoredEvent e = StoredEvent.of(entry.getID().toString(), entry.getFields());
                if (q.matches(e, hmac)) {
                    found.add(e);
                }
            }
            if (batch.size() < BATCH) {
                break;
            }
            from = "(" + batch.get(batch.size() - 1).getID().toString();
        }
        if (q.reverse()) {
            Collections.reverse(found);
        }
        return found;
    }

    /** Merges the legacy events into the chained ones by id, and counts against the limit. */
    private static final class Merge {
        private final List<StoredEvent> legacy;
        private final EventQuery q;
        private final Consumer<StoredEvent> sink;
        private int next;
        long found;

        Merge(List<StoredEvent> legacy, EventQuery q, Consumer<StoredEvent> sink) {
            this.legacy = legacy;
            this.q = q;
            this.sink = sink;
        }

        /** @return false once the limit is reached */
        boolean offer(StoredEvent e) {
            while (next < legacy.size() && before(legacy.get(next), e)) {
                if (!emit(legacy.get(next++))) {
                    return false;
                }
            }
            return emit(e);
        }

        void rest() {
            while (next < legacy.size() && emit(legacy.get(next++))) {
                // until the limit
            }
        }

        private boolean before(StoredEvent a, StoredEvent b) {
            int c = compareIds(a.id(), b.id());
            return q.reverse() ? c > 0 : c < 0;
        }

        private boolean emit(StoredEvent e) {
            sink.accept(e);
            found++;
            return q.limit() <= 0 || found < q.limit();
        }
    }

    static int compareIds(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        int c = Long.compare(Long.parseLong(a.substring(0, da)), Long.parseLong(b.substring(0, db)));
        return c != 0 ? c : Long.compare(Long.parseLong(a.substring(da + 1)), Long.parseLong(b.substring(db + 1)));
    }

    /** Counts per action, result and provider. */
    public record Stats(Instant since, long total, Map<String, Long> byAction, Map<String, Long> byResult,
                        Map<String, Long> byProvider) {
    }

    /**
     * Counts. Without filters other than the time (the common case) whole hours come from the
     * per-hour counters the append script keeps, and only the partial hours at the edges are read
     * from the log; with filters, the matching events are counted one by one.
     */
    public Stats stats(EventQuery q) {
        Map<String, Long> actions = new TreeMap<>();
        Map<String, Long> results = new TreeMap<>();
        Map<String, Long> providers = new TreeMap<>();
        long[] total = {0};
        Consumer<StoredEvent> count = e -> {
            total[0]++;
            actions.merge(e.action(), 1L, Long::sum);
            results.merge(e.result(), 1L, Long::sum);
            providers.merge(e.provider().isEmpty() ? "-" : e.provider(), 1L, Long::sum);
        };
        boolean timeOnly = q.provider() == null && q.user() == null && q.action() == null && q.result() == null
                && !q.alertsOnly() && q.since() != null;
        if (!timeOnly) {
            query(new EventQuery(q.provider(), q.user(), q.action(), q.result(), q.since(), q.until(), 0, false, q.alertsOnly()), count);
            return new Stats(q.since(), total[0], actions, results, providers);
        }
        long hour = AlertRules.HOUR.toMillis();
        long since = q.since().toEpochMilli();
        long firstWhole = Math.floorDiv(since + hour - 1, hour) * hour;
        long end = q.until() == null ? Long.MAX_VALUE : q.until().toEpochMilli() + 1; // exclusive
        long lastWholeEnd = end == Long.MAX_VALUE ? Long.MAX_VALUE : Math.floorDiv(end, hour) * hour;
        try {
            if (lastWholeEnd != Long.MAX_VALUE && lastWholeEnd <= firstWhole) {
                query(new EventQuery(null, null, null, null, q.since(), q.until(), 0, false, false), count);
                return new Stats(q.since(), total[0], actions, results, providers);
            }
            // the edges, event by event (the legacy log is merged into these queries and counted whole below)
            if (since < firstWhole) {
                query(new EventQuery(null, null, null, null, q.since(), Instant.ofEpochMilli(firstWhole - 1), 0, false, false), count);
            }
            if (lastWholeEnd != Long.MAX_VALUE && q.until() != null && lastWholeEnd <= q.until().toEpochMilli()) {
                query(new EventQuery(null, null, null, null, Instant.ofEpochMilli(lastWholeEnd), q.until(), 0, false, false), count);
            }
            for (StoredEvent e : legacy(new EventQuery(null, null, null, null, Instant.ofEpochMilli(firstWhole),
                    lastWholeEnd == Long.MAX_VALUE ? null : Instant.ofEpochMilli(lastWholeEnd - 1), 0, false, false), null,
                    Long.toString(firstWhole), lastWholeEnd == Long.MAX_VALUE ? "+" : Long.toString(lastWholeEnd - 1))) {
                count.accept(e);
            }
            // up to the hour of Redis' clock, which makes the ids: this clock's plus a margin (a missing hour reads as empty)
            long lastHour = lastWholeEnd == Long.MAX_VALUE ? Math.floorDiv(System.currentTimeMillis(), hour) * hour + 2 * hour
                    : lastWholeEnd - hour;
            List<Response<Map<String, String>>> hours = new ArrayList<>();
            try (AbstractPipeline p = redis.pipelined()) {
                for (long h = firstWhole; h <= lastHour; h += hour) {
                    hours.add(p.hgetAll(keys.eventsHour(h)));
                }
                p.sync();
            }
            for (Response<Map<String, String>> r : hours) {
                for (Map.Entry<String, String> c : PipelineReplies.get(r).entrySet()) {
                    long n = Long.parseLong(c.getValue());
                    String[] arp = c.getKey().split("\\|", -1); // action|result|provider, or n (the hour's total)
                    if (arp.length == 3) {
                        total[0] += n;
                        actions.merge(arp[0], n, Long::sum);
                        results.merge(arp[1], n, Long::sum);
                        providers.merge(arp[2].isEmpty() ? "-" : arp[2], n, Long::sum);
                    }
                }
            }
        } catch (JedisException e) {
            throw readFailure(e);
        }
        return new Stats(q.since(), total[0], actions, results, providers);
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
     * is interrupted. When Redis goes away (a lost connection, or a passing state: loading, a Cluster
     * failing over, a primary turned replica under a blocked read) the tail waits (100 ms doubling up to
     * 5 s, never a tight loop), reconnects and resumes after the newest event it read that the log still
     * has ({@link TailPosition}): nothing appended meanwhile is missed (unless retention trimmed it
     * first), and what a failover lost is reported to {@code listener} instead of silently replaced. A
     * failover that shows no error (a blocked read on the old primary times out, the next goes to the new
     * one) is caught before a batch is printed: the log must still have the newest event read.
     *
     * @return the last id seen, to resume from
     */
    public String tail(EventQuery filter, String fromId, Consumer<StoredEvent> sink, BooleanSupplier stop,
                       TailListener listener, Pause pause) {
        Duration minWait = Duration.ofMillis(100);
        Duration maxWait = Duration.ofSeconds(5);
        Duration wait = minWait;
        TailPosition position = null;
        boolean lost = false;
        String hmac = null;
        boolean noUser = false;
        while (!stop.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
            try {
                if (position == null) {
                    position = new TailPosition(fromId == null ? lastId() : fromId.contains("-") ? fromId : fromId + "-0");
                }
                if (lost) {
                    position.resume(this::present, listener::withdrawn);
                    lost = false;
                }
                if (filter.user() != null && hmac == null && !noUser) {
                    Optional<String> h = hasher.find(filter.user());
                    hmac = h.orElse(null);
                    noUser = h.isEmpty();
                }
                List<Map.Entry<String, List<StreamEntry>>> read = redis.xread(
                        XReadParams.xReadParams().block((int) block.toMillis()).count(BATCH),
                        Map.of(keys.events(), new StreamEntryID(position.last())));
                wait = minWait;
                if (read == null || read.isEmpty()) {
                    continue;
                }
                String after = position.lastRead();
                if (after != null && !present(after)) {
                    // the read was served by a server that lacks what we printed last: a failover without an error
                    // (the pool moved to the new primary); resume as after a lost connection rather than print past it
                    lost = true;
                    continue;
                }
                for (Map.Entry<String, List<StreamEntry>> stream : read) {
                    for (StreamEntry entry : stream.getValue()) {
                        String id = entry.getID().toString();
                        StoredEvent e = StoredEvent.of(id, entry.getFields());
                        if (noUser && filter.user() != null) {
                            // the key did not exist when we looked: look again, it may have been created since
                            noUser = false;
                            hmac = hasher.find(filter.user()).orElse(null);
                            noUser = hmac == null;
                        }
                        boolean deliver = (filter.user() == null || hmac != null) && filter.matches(e, hmac);
                        position.read(id, deliver);
                        if (deliver) {
                            sink.accept(e);
                        }
                        if (stop.getAsBoolean()) {
                            return id;
                        }
                    }
                }
            } catch (JedisException e) {
                if (!RedisErrors.passing(e)) {
                    throw readFailure(e);
                }
                lost = true;
                listener.disconnected(e, wait);
                try {
                    pause.pause(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
                wait = wait.multipliedBy(2).compareTo(maxWait) > 0 ? maxWait : wait.multipliedBy(2);
            }
        }
        return position == null ? fromId : position.last();
    }

    /** The log still holds the event with this id. */
    private boolean present(String id) {
        return !redis.xrange(keys.events(), id, id, 1).isEmpty();
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
