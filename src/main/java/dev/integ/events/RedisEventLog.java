package dev.integ.events;

import com.google.crypto.tink.Mac;
import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import dev.integ.store.AclRoles;
import dev.integ.store.PipelineReplies;
import dev.integ.store.RedisErrors;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisScript;
import dev.integ.store.ReplicaAcks;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The security event log: one chained Redis Stream per namespace ({@code NS:events:{NS}:log}).
 *
 * <p>Each entry: seq (1, 2, 3... per namespace), mac (hex HMAC-SHA256 by {@link ChainKey} over the
 * previous entry's mac, seq and every field below), time (the recording clock, ISO-8601 UTC), action,
 * result, provider, user_hmac (see {@link UserHasher}; the clear name is never written), actor (OS
 * user@host), correlation (one id per integ invocation) and details (a compact JSON object of strings).
 * Empty string: none.
 *
 * <p><b>One linear chain, many writers.</b> The MAC is computed here, so the key never reaches Redis;
 * the append script takes the head (seq, mac) this writer expects and appends only if it is still the
 * head, else returns the current head and the writer computes the MAC again (compare-and-set; some
 * writer always wins, so the retries end). A writer caches the head its last append made, so a lone
 * writer needs one round trip per event; the first append of a process reads the head together with
 * the keys, in one pipelined round trip. The same script writes the head to {@code NS:events:{NS}:head}
 * (a checkpoint outside the stream), the user and provider indexes and the per-hour counters: every key
 * in one hash tag, one Cluster slot, the alert window counters too (see {@link AlertRules}).
 *
 * <p><b>Retention by age, trims recorded.</b> Nothing is trimmed silently: when the oldest event is
 * older than {@code keep-for} (plus a slack of a 90th of it, so trims come in batches) or the stream
 * holds more than {@code keep} events (a safety valve), the writer appends an {@code events.trimmed}
 * event naming the range (first/last seq and id, the last trimmed mac) and the script trims exactly
 * that range in the same call, so `events verify` tells a recorded trim from a deletion.
 *
 * <p>Fail closed: {@link #record} throws an {@link IntegException} when the event is not written:
 * exit code 4 (retry later) when Redis is unreachable, 5 (a human must act) when the stream key
 * holds something else, an ACL denies the commands or no master key is there for the chain key, 1
 * otherwise. The alert windows are counted by the append script; an alert that fires costs one more
 * round trip (its SET NX) and an append of its own, and their failure is reported the same way.
 */
public final class RedisEventLog implements EventLog, AutoCloseable {
    public static final String ALERT_PREFIX = "alert.";
    public static final String TRIMMED = "events.trimmed";
    public static final String CHAIN_START = "events.chain_start";
    /** A safety valve far above normal use: retention is by age. */
    public static final long DEFAULT_MAX_EVENTS = 10_000_000L;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(90);
    /** The most events one cap trim removes (it reads them to find the range's end). */
    static final int MAX_CAP_TRIM = 10_000;

    /*
     * KEYS: log, head, then ARGV[11] index keys (user, provider), then the two alert window keys if any.
     * ARGV: 1 expected seq, 2 expected mac, 3 seq, 4 mac, 5 id ('*'), 6 hour counter prefix, 7 TTL of indexes and
     * counters past their time (ms), 8 keep-for (ms), 9 trim MINID ('' for none), 10 the first id that trim expects,
     * 11 number of index keys, 12 failure (0/1), 13 and 14 TTLs of the hour and quarter alert windows, 15..22 the values,
     * 23 '1' to return the first id (a writer's first append; else only every 100th seq, to check the age retention).
     * Returns {0, seq, mac} when the head moved, {2} when the trim is stale, else
     * {1, id, its ms (Redis' clock for '*'), first id or '', length, window events, window failures, quarter failures (0 for a success:
     * it cannot push the failures rule over)}. Indexes are trimmed at every 100th seq, and expire keep-for after their last event;
     * TTLs are set when a counter is created.
     */
    private static final RedisScript APPEND = new RedisScript("""
            local h = redis.call('HMGET', KEYS[2], 'seq', 'mac')
            local seq, mac = h[1], h[2] or ''
            if not seq then
              seq, mac = '0', ''
              local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
              if #last > 0 then
                local f = last[1][2]
                for i = 1, #f, 2 do
                  if f[i] == 'seq' then seq = f[i + 1] elseif f[i] == 'mac' then mac = f[i + 1] end
                end
              end
            end
            if seq ~= ARGV[1] or mac ~= ARGV[2] then
              return {0, seq, mac}
            end
            if ARGV[9] ~= '' then
              local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
              if #first == 0 or first[1][1] ~= ARGV[10] then
                return {2}
              end
              redis.call('XTRIM', KEYS[1], 'MINID', ARGV[9])
            end
            local id = redis.call('XADD', KEYS[1], ARGV[5], 'seq', ARGV[3], 'mac', ARGV[4], 'time', ARGV[15], 'action', ARGV[16],
              'result', ARGV[17], 'provider', ARGV[18], 'user_hmac', ARGV[19], 'actor', ARGV[20], 'correlation', ARGV[21],
              'details', ARGV[22])
            redis.call('HSET', KEYS[2], 'seq', ARGV[3], 'mac', ARGV[4], 'id', id)
            local ms = tonumber(string.match(id, '^%d+'))
            local indexes = tonumber(ARGV[11])
            for k = 3, 2 + indexes do
              redis.pcall('XADD', KEYS[k], id, 'e', '')
              redis.call('PEXPIRE', KEYS[k], ARGV[7])
              if tonumber(ARGV[3]) % 100 == 0 then
                redis.call('XTRIM', KEYS[k], 'MINID', '~', string.format('%d', ms - tonumber(ARGV[8])))
              end
            end
            local hour = ms - (ms % 3600000)
            local hk = ARGV[6] .. string.format('%d', hour)
            if redis.call('HINCRBY', hk, 'n', 1) == 1 then
              redis.call('PEXPIREAT', hk, string.format('%d', hour + 3600000 + tonumber(ARGV[7])))
            end
            redis.call('HINCRBY', hk, ARGV[16] .. '|' .. ARGV[17] .. '|' .. ARGV[18], 1)
            local n, f, qf = 0, 0, 0
            local w = 3 + indexes
            if #KEYS > w then
              n = redis.call('HINCRBY', KEYS[w], 'n', 1)
              if n == 1 then
                redis.call('PEXPIRE', KEYS[w], ARGV[13])
              end
              if ARGV[12] == '1' then
                f = redis.call('HINCRBY', KEYS[w], 'f', 1)
                qf = redis.call('HINCRBY', KEYS[w + 1], 'f', 1)
                if qf == 1 then
                  redis.call('PEXPIRE', KEYS[w + 1], ARGV[14])
                end
              else
                f = tonumber(redis.call('HGET', KEYS[w], 'f') or '0')
              end
            end
            local first = ''
            if ARGV[23] == '1' or tonumber(ARGV[3]) % 100 == 0 then
              first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][1]
            end
            return {1, id, string.format('%d', ms), first, redis.call('XLEN', KEYS[1]), n, f, qf}
            """);

    /** Retention: none older than {@code maxAge}; at most {@code maxEvents} as a safety valve; both trims recorded. */
    public record Retention(long maxEvents, Duration maxAge) {
        public static final Retention DEFAULTS = new Retention(DEFAULT_MAX_EVENTS, DEFAULT_MAX_AGE);

        public Retention {
            if (maxEvents < 1 || maxAge.isNegative() || maxAge.isZero()) {
                throw IntegException.usage("invalid event retention " + maxEvents + " events, " + maxAge,
                        "both must be more than zero", null);
            }
        }

        /** How much older than maxAge the oldest event may get before a trim: trims come in batches, not one per append. */
        long slackMillis() {
            return Math.max(1, maxAge.toMillis() / 90);
        }
    }

    /** An event to load with an explicit stream id (benchmarks and tests: history that happened before). */
    public record Dated(String streamId, Instant time, SecurityEvent event) {
    }

    /** What one successful append returned; serverMillis is the id's, Redis' clock. */
    private record Appended(String id, long seq, byte[] mac, long serverMillis, String firstId, long length,
                            long windowEvents, long windowFailures, long quarterFailures) {
    }

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final UserHasher hasher;
    private final ChainKey chain;
    private final String actor;
    private final String correlation;
    private final Clock clock;
    private final Retention retention;
    private final AlertRules rules;
    private ReplicaAcks acks;
    private final EventAnchor anchor;
    private final Object appendLock = new Object();
    /** The head this writer last saw: -1 until read. */
    private long headSeq = -1;
    private byte[] headMac;
    private boolean restarted;
    private boolean appended;

    /** The chain key is kept under the same master key as the user-name HMAC key. */
    public RedisEventLog(UnifiedJedis redis, RedisKeys keys, UserHasher hasher, String actor, String correlation,
                         Clock clock, Retention retention, AlertRules rules) {
        this(redis, keys, hasher, new ChainKey(redis, keys, hasher.master(), hasher.alarm()), EventAnchor.NONE, actor, correlation, clock,
                retention, rules);
    }

    public RedisEventLog(UnifiedJedis redis, RedisKeys keys, UserHasher hasher, ChainKey chain, EventAnchor anchor, String actor,
                         String correlation, Clock clock, Retention retention, AlertRules rules) {
        this.acks = ReplicaAcks.none(redis);
        this.redis = redis;
        this.keys = keys;
        this.hasher = hasher;
        this.chain = chain;
        this.anchor = anchor;
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
        validate(event);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS); // ISO-8601 to the millisecond, as stream ids
        boolean alert = event.action().startsWith(ALERT_PREFIX);
        try {
            String userHmac;
            AlertRules.Windows windows;
            Appended done;
            synchronized (appendLock) {
                start(event.user() != null);
                userHmac = event.user() == null ? "" : hasher.hash(event.user());
                windows = alert ? null : AlertRules.windows(keys, now, event.provider(), userHmac);
                done = append("*", values(now, event.action(), event.result(), event.provider(), userHmac,
                        StoredEvent.detailsJson(event.details())), event.provider(), windows, SecurityEvent.FAILURE.equals(event.result()), "", "");
                trimIfDue(done, now);
            }
            anchor.note(keys.namespace(), done.seq(), done.mac(), done.id(), false);
            if (alert) {
                return;
            }
            for (AlertRules.Alert a : rules.evaluate(redis, keys, now, windows, done.windowEvents(), done.windowFailures(),
                    done.quarterFailures(), event.provider(), userHmac, event.action())) {
                Appended appendedAlert;
                synchronized (appendLock) {
                    appendedAlert = append("*", values(now, a.action(), SecurityEvent.FAILURE, event.provider(), userHmac,
                            StoredEvent.detailsJson(a.details())), event.provider(), null, false, "", "");
                }
                anchor.note(keys.namespace(), appendedAlert.seq(), appendedAlert.mac(), appendedAlert.id(), false);
            }
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    /**
     * Appends events that happened before, with explicit stream ids (above the newest), in pipelined
     * batches through the same script and chain: for loading history in benchmarks and tests. No
     * alert rules, no trims; the caller must be the only writer meanwhile.
     */
    public void load(List<Dated> events, int batch) {
        try {
            synchronized (appendLock) {
                start(true);
                Mac mac = chain.mac();
                for (int from = 0; from < events.size(); from += batch) {
                    List<Dated> slice = events.subList(from, Math.min(events.size(), from + batch));
                    List<RedisScript.Call> calls = new ArrayList<>(slice.size());
                    long seq = headSeq;
                    byte[] previous = headMac;
                    for (Dated d : slice) {
                        SecurityEvent e = d.event();
                        byte[][] values = values(d.time(), e.action(), e.result(), e.provider(),
                                e.user() == null ? "" : hasher.hash(e.user()), StoredEvent.detailsJson(e.details()));
                        byte[] tag = ChainKey.tag(mac, previous, seq + 1, values);
                        calls.add(new RedisScript.Call(scriptKeys(e.provider(), values[4], null),
                                scriptArgs(seq, previous, seq + 1, tag, d.streamId(), "", "", values, e.provider(), values[4], null, false)));
                        seq++;
                        previous = tag;
                    }
                    for (Object r : acks.evalAll(APPEND, calls)) {
                        if (!(r instanceof List<?> l) || !Long.valueOf(1).equals(l.get(0))) {
                            throw new IllegalStateException("load: another writer appended meanwhile");
                        }
                    }
                    headSeq = seq;
                    headMac = previous;
                }
            }
        } catch (JedisException e) {
            throw failure(e);
        }
    }

    /** Writes this process' last head to the anchor file, if it has not yet. */
    @Override
    public void close() {
        anchor.flush();
    }

    private static void validate(SecurityEvent event) {
        if (event.action() == null || event.action().isBlank()) {
            throw new IllegalArgumentException("an event needs an action");
        }
        if (!SecurityEvent.SUCCESS.equals(event.result()) && !SecurityEvent.FAILURE.equals(event.result())) {
            throw new IllegalArgumentException("an event's result is success or failure, not " + event.result());
        }
    }

    /**
     * First append of this process: reads the chain key, the user HMAC key (when the event names a
     * user), the head and the newest entry in one pipelined round trip.
     */
    private void start(boolean needUserKey) {
        if (headSeq >= 0) {
            return;
        }
        Response<byte[]> chainKey;
        Response<byte[]> userKey = null;
        Response<List<byte[]>> head;
        Response<List<StreamEntry>> last;
        try (AbstractPipeline p = redis.pipelined()) {
            chainKey = p.get(chain.storedKey().redisKey());
            if (needUserKey && !hasher.storedKey().loaded()) {
                userKey = p.get(hasher.storedKey().redisKey());
            }
            head = p.hmget(bytes(keys.eventsHead()), bytes("seq"), bytes("mac"), bytes("created"));
            last = p.xrevrange(keys.events(), "+", "-", 1);
            p.sync();
        }
        List<byte[]> h = PipelineReplies.get(head);
        // a chain key without any head (not even the mark made before the key): the log and its head were deleted
        restarted = PipelineReplies.get(chainKey) != null && h.get(0) == null && h.get(2) == null;
        if (PipelineReplies.get(chainKey) == null) {
            redis.hsetnx(keys.eventsHead(), "created", clock.instant().toString());
        }
        chain.storedKey().fromStored(PipelineReplies.get(chainKey));
        if (userKey != null) {
            hasher.storedKey().fromStored(PipelineReplies.get(userKey));
        }
        if (h.get(0) != null) {
            useHead(str(h.get(0)), h.get(1) == null ? "" : str(h.get(1)));
        } else if (!PipelineReplies.get(last).isEmpty() && PipelineReplies.get(last).get(0).getFields().containsKey("seq")) {
            Map<String, String> f = PipelineReplies.get(last).get(0).getFields();
            useHead(f.get("seq"), f.getOrDefault("mac", ""));
        } else {
            useHead("0", "");
        }
    }

    private void useHead(String seq, String mac) {
        headSeq = Long.parseLong(seq);
        headMac = mac.isEmpty() ? ChainKey.GENESIS : ChainKey.unhex(mac);
    }

    /**
     * The compare-and-set loop. An empty chain whose key existed before (the log and its head were
     * deleted) gets an events.chain_start failure first, so the restart is on record.
     */
    private Appended append(String id, byte[][] values, String provider, AlertRules.Windows windows, boolean failure, String trimMinId,
                            String trimFirstId) {
        Mac mac = chain.mac();
        for (int attempt = 0; attempt < 10_000; attempt++) {
            if (headSeq == 0 && (restarted || appended)) {
                byte[][] start = values(clock.instant().truncatedTo(ChronoUnit.MILLIS), CHAIN_START, SecurityEvent.FAILURE, null, "",
                        StoredEvent.detailsJson(Map.of("reason", "restarted: the chain key existed, but neither the log nor its head key")));
                tryAppend(mac, "*", start, null, null, false, "", "");
                continue;
            }
            Appended done = tryAppend(mac, id, values, provider, windows, failure, trimMinId, trimFirstId);
            if (done != null) {
                return done;
            }
            if (!trimMinId.isEmpty() && headSeq == -2) {
                return null;
            }
        }
        throw IntegException.retryLater("cannot append to the security event log " + keys.events(),
                "other writers kept moving its head", "retry", null);
    }

    /** One attempt: the event on top of the cached head; null (and the cache updated) when the head moved. */
    private Appended tryAppend(Mac mac, String id, byte[][] values, String provider, AlertRules.Windows windows, boolean failure,
                               String trimMinId, String trimFirstId) {
        long seq = headSeq + 1;
        byte[] tag = ChainKey.tag(mac, headMac, seq, values);
        // through the acks: a WAIT after the append, on the same connection
        Object reply = acks.eval(APPEND, scriptKeys(provider, values[4], windows),
                scriptArgs(headSeq, headMac, seq, tag, id, trimMinId, trimFirstId, values, provider, values[4], windows, failure));
        List<?> r = (List<?>) reply;
        long status = (Long) r.get(0);
        if (status == 1) {
            headSeq = seq;
            headMac = tag;
            appended = true;
            return new Appended(str(r.get(1)), seq, tag, Long.parseLong(str(r.get(2))), str(r.get(3)), (Long) r.get(4),
                    (Long) r.get(5), (Long) r.get(6), (Long) r.get(7));
        }
        if (status == 2) {
            headSeq = -2; // the trim is stale: someone else trimmed; read the head again
            return null;
        }
        useHead(str(r.get(1)), r.get(2) == null ? "" : str(r.get(2)));
        return null;
    }

    private List<byte[]> scriptKeys(String provider, byte[] userHmac, AlertRules.Windows windows) {
        List<byte[]> k = new ArrayList<>(6);
        k.add(bytes(keys.events()));
        k.add(bytes(keys.eventsHead()));
        if (userHmac.length > 0) {
            k.add(bytes(keys.eventsByUser(new String(userHmac, StandardCharsets.UTF_8))));
        }
        if (provider != null && !provider.isEmpty()) {
            k.add(bytes(keys.eventsByProvider(provider)));
        }
        if (windows != null) {
            k.add(bytes(windows.hourKey()));
            k.add(bytes(windows.quarterKey()));
        }
        return k;
    }

    private List<byte[]> scriptArgs(long expectedSeq, byte[] expectedMac, long seq, byte[] tag, String id, String trimMinId,
                                    String trimFirstId, byte[][] values, String provider, byte[] userHmac, AlertRules.Windows windows,
                                    boolean failure) {
        List<byte[]> a = new ArrayList<>(22);
        a.add(bytes(Long.toString(expectedSeq)));
        a.add(bytes(expectedSeq == 0 ? "" : ChainKey.hex(expectedMac)));
        a.add(bytes(Long.toString(seq)));
        a.add(bytes(ChainKey.hex(tag)));
        a.add(bytes(id));
        a.add(bytes(keys.eventsHourPrefix()));
        a.add(bytes(Long.toString(retention.maxAge().toMillis() + retention.slackMillis())));
        a.add(bytes(Long.toString(retention.maxAge().toMillis())));
        a.add(bytes(trimMinId));
        a.add(bytes(trimFirstId));
        a.add(bytes(Integer.toString((userHmac.length > 0 ? 1 : 0) + (provider != null && !provider.isEmpty() ? 1 : 0))));
        a.add(bytes(failure ? "1" : "0"));
        a.add(bytes(windows == null ? "0" : Long.toString(windows.hourTtlMillis())));
        a.add(bytes(windows == null ? "0" : Long.toString(windows.quarterTtlMillis())));
        for (byte[] v : values) {
            a.add(v);
        }
        a.add(bytes(appended ? "0" : "1"));
        return a;
    }

    private byte[][] values(Instant time, String action, String result, String provider, String userHmac, String details) {
        return new byte[][] {bytes(time.toString()), bytes(action), bytes(result), bytes(provider == null ? "" : provider),
                bytes(userHmac), bytes(actor), bytes(correlation), bytes(details)};
    }

    /**
     * Trims by age (oldest older than keep-for plus the slack) or by count (the safety valve), each
     * time recorded by an events.trimmed event appended in the same script call as the trim. Quiet: the
     * event asked for is already written, and the next append tries again.
     */
    private void trimIfDue(Appended done, Instant now) {
        long cutoff = done.serverMillis() - retention.maxAge().toMillis();
        boolean byAge = !done.firstId().isEmpty() && StoredEvent.idMillis(done.firstId()) < cutoff - retention.slackMillis();
        boolean byCount = done.length() > retention.maxEvents();
        if (!byAge && !byCount) {
            return;
        }
        try {
            List<StreamEntry> first = redis.xrange(keys.events(), "-", "+", 1);
            List<StreamEntry> upTo;
            if (byAge) {
                upTo = redis.xrevrange(keys.events(), "(" + cutoff + "-0", "-", 1);
            } else {
                long drop = Math.min(MAX_CAP_TRIM, done.length() - retention.maxEvents() + Math.max(1, retention.maxEvents() / 100));
                List<StreamEntry> oldest = redis.xrange(keys.events(), "-", "+", (int) drop);
                upTo = oldest.isEmpty() ? oldest : List.of(oldest.get(oldest.size() - 1));
            }
            if (first.isEmpty() || upTo.isEmpty()) {
                return;
            }
            StreamEntry from = first.get(0);
            StreamEntry to = upTo.get(0);
            Map<String, String> d = new LinkedHashMap<>();
            d.put("reason", byAge ? "age" : "count");
            d.put("first_id", from.getID().toString());
            d.put("last_id", to.getID().toString());
            d.put("first_seq", from.getFields().getOrDefault("seq", ""));
            d.put("last_seq", to.getFields().getOrDefault("seq", ""));
            d.put("last_mac", to.getFields().getOrDefault("mac", ""));
            d.put("events", Long.toString(parseOr(d.get("last_seq"), 0) - parseOr(d.get("first_seq"), 0) + 1));
            d.put(byAge ? "keep_for" : "keep", byAge ? Durations.format(retention.maxAge()) : Long.toString(retention.maxEvents()));
            String minId = to.getID().getTime() + "-" + (to.getID().getSequence() + 1);
            Appended trim = append("*", values(now, TRIMMED, byAge ? SecurityEvent.SUCCESS : SecurityEvent.FAILURE, null, "",
                    StoredEvent.detailsJson(d)), null, null, false, minId, from.getID().toString());
            if (trim == null) {
                headSeq = -1;
                start(false);
            } else {
                anchor.note(keys.namespace(), trim.seq(), trim.mac(), trim.id(), false);
            }
        } catch (JedisException notNow) {
            // the event asked for is written; the next append trims
        }
    }

    private static long parseOr(String s, long fallback) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
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
            return IntegException.humanAction(where, "a key of the log holds another type of value",
                    "find out who wrote " + keys.events() + " or " + keys.eventsHead() + ", then rename or delete it; nothing was changed")
                    .withCause(e);
        }
        if (AclRoles.isDenial(message)) {
            IntegException denied = AclRoles.denied(where, message, e);
            return denied.withHint("nothing was changed; " + denied.hint());
        }
        return IntegException.failure(where, RedisErrors.plain(message), "nothing was changed", e);
    }

    private static String str(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
