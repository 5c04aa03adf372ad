package dev.integ.vault;

import dev.integ.store.RedisErrors;
import dev.integ.store.PipelineReplies;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisScript;
import dev.integ.store.ReplicaAcks;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.resps.ScanResult;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Credential records in Redis: one hash per credential with {@code rev} (the compare-and-set
 * version) and {@code data} (see {@link RecordCodec}). Bulk reads go one SCAN batch at a time with
 * pipelined reads, so memory stays flat however many records there are.
 */
public final class CredentialStore {
    /**
     * The checks every credential write makes, by Redis' clock ({@code TIME}): the keys that sealed
     * the record are still within their write lease (ARGV[3], epoch ms; else -1), and rev is still what
     * the writer read ('0': the record must not exist; else 0). The new rev is Redis' time in
     * microseconds, or the old rev + 1 if that is larger: revisions only grow, even across a delete
     * and re-create, so a writer holding a rev from before can never match a newer record. (Built and
     * compared as digit strings, not with tonumber/format: a rewrap makes 100,000 of these calls.)
     */
    private static final String CHECKED_WRITE = """
            local t = redis.call('TIME')
            if t[1] * 1000 + t[2] / 1000 > tonumber(ARGV[3]) then return -1 end
            local current = redis.call('HGET', KEYS[1], 'rev')
            if not ((current == false and ARGV[1] == '0') or current == ARGV[1]) then return 0 end
            local rev = t[1] .. string.sub('00000' .. t[2], -6)
            if current and (#current > #rev or (#current == #rev and current >= rev)) then
              rev = string.format('%.0f', tonumber(current) + 1)
            end
            redis.call('HSET', KEYS[1], 'rev', rev, 'data', ARGV[2])
            """;
    /** A checked write that then sets the retention: PEXPIREAT when the credential can expire, PERSIST when it cannot. */
    private static final RedisScript COMPARE_AND_SET = new RedisScript(CHECKED_WRITE + """
            if ARGV[4] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end
            return 1
            """);
    /** The same for a write that changes no metadata (rewrap): HSET keeps the key's expiry as it is. */
    private static final RedisScript COMPARE_AND_SET_KEEP_EXPIRY = new RedisScript(CHECKED_WRITE + "return 1\n");
    private static final byte[] REV = bytes("rev");
    private static final byte[] DATA = bytes("data");

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final ReplicaAcks acks;

    /** A record as read; {@code data} is null when the key vanished between SCAN and read. */
    public record Stored(String key, String provider, String user, long rev, byte[] data) {
    }

    /**
     * A write to make only if the record's rev is still {@code expectedRev} and Redis' clock has not
     * passed {@code writableUntilMillis} (the write lease of the keys that sealed {@code data}).
     *
     * @param keepExpiry the metadata is unchanged, so the key's expiry is too (rewrap); otherwise it is
     *                   set from {@code retainUntil}
     */
    public record Write(String key, long expectedRev, byte[] data, Instant retainUntil, boolean keepExpiry, long writableUntilMillis) {
    }

    /** What became of a write. */
    public enum Outcome {
        APPLIED,
        /** the record's rev moved (or it appeared, or vanished): another writer got there first */
        CONFLICT,
        /** sealed with keys whose write lease had run out: nothing written; renew the keys and seal again */
        STALE_KEYS;

        static Outcome of(Object reply) {
            long code = (Long) reply;
            return code == 1 ? APPLIED : code == 0 ? CONFLICT : STALE_KEYS;
        }
    }

    public CredentialStore(UnifiedJedis redis, RedisKeys keys) {
        this(redis, keys, ReplicaAcks.none(redis));
    }

    /** @param acks every write (compare-and-set, delete) waits for the replicas these ask for */
    public CredentialStore(UnifiedJedis redis, RedisKeys keys, ReplicaAcks acks) {
        this.redis = redis;
        this.keys = keys;
        this.acks = acks;
    }

    public RedisKeys keys() {
        return keys;
    }

    public Optional<Stored> get(String provider, String user) {
        String key = keys.credential(provider, user);
        List<byte[]> fields;
        try {
            fields = redis.hmget(bytes(key), REV, DATA);
        } catch (JedisDataException wrongType) {
            if (!RedisErrors.wrongType(wrongType)) {
                throw wrongType; // LOADING and the like: the server's state, not this record's
            }
            return Optional.of(notARecord(key, provider, user));
        }
        return stored(key, provider, user, fields);
    }

    /** Which credential: its provider and user. */
    public record Name(String provider, String user) {
    }

    /**
     * Reads several credentials in one pipelined round trip (one per node on a Cluster), as {@link #get}
     * reads one; empty where there is none.
     */
    public List<Optional<Stored>> getAll(List<Name> names) {
        List<Response<List<byte[]>>> replies = new ArrayList<>(names.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (Name name : names) {
                replies.add(pipeline.hmget(bytes(keys.credential(name.provider(), name.user())), REV, DATA));
            }
            pipeline.sync();
        }
        List<Optional<Stored>> records = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            Name name = names.get(i);
            String key = keys.credential(name.provider(), name.user());
            try {
                records.add(stored(key, name.provider(), name.user(), PipelineReplies.get(replies.get(i))));
            } catch (JedisDataException wrongType) {
                if (!RedisErrors.wrongType(wrongType)) {
                    throw wrongType;
                }
                records.add(Optional.of(notARecord(key, name.provider(), name.user())));
            }
        }
        return records;
    }

    /**
     * Calls {@code batch} once per SCAN batch with the records read in one pipelined round trip.
     *
     * The next batch is read from Redis while the caller works on this one (see {@link ReadAhead}).
     *
     * @param provider only this provider's records, or null for all
     */
    public void scan(String provider, int batchSize, Consumer<List<Stored>> batch) {
        ReadAhead.run(consumer -> scanInOrder(provider, batchSize, consumer), batch);
    }

    private void scanInOrder(String provider, int batchSize, Consumer<List<Stored>> batch) {
        ScanIteration iteration = redis.scanIteration(batchSize, keys.credentialPattern(provider));
        while (!iteration.isIterationCompleted()) {
            ScanResult<String> result = iteration.nextBatch();
            List<String> found = result.getResult();
            if (found.isEmpty()) {
                continue;
            }
            List<String[]> names = new ArrayList<>(found.size());
            List<Response<List<byte[]>>> replies = new ArrayList<>(found.size());
            List<String> credentialKeys = new ArrayList<>(found.size());
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (String key : found) {
                    String[] name = keys.credentialOf(key);
                    if (name == null) {
                        continue;
                    }
                    names.add(name);
                    credentialKeys.add(key);
                    replies.add(pipeline.hmget(bytes(key), REV, DATA));
                }
                pipeline.sync();
            }
            List<Stored> records = new ArrayList<>(replies.size());
            for (int i = 0; i < replies.size(); i++) {
                List<byte[]> fields;
                try {
                    fields = PipelineReplies.get(replies.get(i));
                } catch (JedisDataException wrongType) {
                    if (!RedisErrors.wrongType(wrongType)) {
                        throw wrongType;
                    }
                    records.add(notARecord(credentialKeys.get(i), names.get(i)[0], names.get(i)[1]));
                    continue;
                }
                stored(credentialKeys.get(i), names.get(i)[0], names.get(i)[1], fields).ifPresent(records::add);
            }
            batch.accept(records);
        }
    }

    public Outcome compareAndSet(Write write) {
        return Outcome.of(acks.eval(script(write), List.of(bytes(write.key())), args(write)));
    }

    /**
     * All writes in one pipelined round trip (per script); returns, per write, what became of it.
     * The writes must come from one SCAN batch (one node, on a Cluster).
     */
    public List<Outcome> compareAndSetAll(List<Write> writes) {
        Outcome[] applied = new Outcome[writes.size()];
        for (RedisScript script : List.of(COMPARE_AND_SET, COMPARE_AND_SET_KEEP_EXPIRY)) {
            List<Integer> positions = new ArrayList<>();
            List<RedisScript.Call> calls = new ArrayList<>();
            for (int i = 0; i < writes.size(); i++) {
                if (script(writes.get(i)) == script) {
                    positions.add(i);
                    calls.add(new RedisScript.Call(List.of(bytes(writes.get(i).key())), args(writes.get(i))));
                }
            }
            List<Object> results = acks.evalAll(script, calls);
            for (int i = 0; i < results.size(); i++) {
                applied[positions.get(i)] = Outcome.of(results.get(i));
            }
        }
        return List.of(applied);
    }

    private static RedisScript script(Write write) {
        return write.keepExpiry() ? COMPARE_AND_SET_KEEP_EXPIRY : COMPARE_AND_SET;
    }

    public boolean delete(String provider, String user) {
        return acks.del(bytes(keys.credential(provider, user))) > 0;
    }

    private static List<byte[]> args(Write write) {
        byte[] rev = bytes(Long.toString(write.expectedRev()));
        byte[] until = bytes(Long.toString(write.writableUntilMillis()));
        if (write.keepExpiry()) {
            return List.of(rev, write.data(), until);
        }
        return List.of(rev, write.data(), until, bytes(write.retainUntil() == null ? "" : Long.toString(write.retainUntil().toEpochMilli())));
    }

    /** A key under the credential prefix that is not a hash: reported as a damaged record, never fatal. */
    private static Stored notARecord(String key, String provider, String user) {
        return new Stored(key, provider, user, -1, null);
    }

    private static Optional<Stored> stored(String key, String provider, String user, List<byte[]> fields) {
        byte[] rev = fields.get(0);
        byte[] data = fields.get(1);
        if (rev == null && data == null) {
            return Optional.empty();
        }
        long revision;
        try {
            revision = rev == null ? -1 : Long.parseLong(new String(rev, StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            revision = -1;
        }
        return Optional.of(new Stored(key, provider, user, revision, data));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
