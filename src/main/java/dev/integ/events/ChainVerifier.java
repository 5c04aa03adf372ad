package dev.integ.events;

import com.google.crypto.tink.Mac;
import dev.integ.core.IntegException;
import dev.integ.store.RedisErrors;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

/**
 * `integ events verify`: walks the chained log (binary XRANGE in batches of {@value #BATCH}, the next
 * batch read while this one is checked) and checks every event's sequence number and MAC, the head
 * key and the anchor file's checkpoints. Each finding names a range of sequence numbers and ids:
 * <ul>
 *   <li>{@code gap}: events missing in the middle (XDEL, or deleted and re-added)</li>
 *   <li>{@code altered}: the MAC does not match the fields (rewritten or forged)</li>
 *   <li>{@code out_of_order}: a sequence number that goes back (an event re-added later, a spliced chain)</li>
 *   <li>{@code restarted}: the log was deleted or replaced: the head key or the anchor file is ahead of
 *       it or names another chain, or a new chain started although its key existed</li>
 *   <li>{@code untracked_trim}: the oldest events are gone and no {@code events.trimmed} event records it</li>
 *   <li>{@code head}: the head key is missing or damaged while the log has events</li>
 *   <li>{@code key}: the chain key is missing while the log has events</li>
 *   <li>{@code unchained}: events in the log before the chain ({@code NS:events}) newer than the chain's start</li>
 * </ul>
 * A gap that an {@code events.trimmed} event covers (a trim that ran during the walk) is no finding.
 */
public final class ChainVerifier {
    static final int BATCH = 10_000;
    private static final byte[][] FIELD_NAMES;

    static {
        FIELD_NAMES = new byte[EventFields.NAMES.size()][];
        for (int i = 0; i < FIELD_NAMES.length; i++) {
            FIELD_NAMES[i] = EventFields.NAMES.get(i).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** One problem, over a range of events (first and last equal for one). */
    public record Finding(String kind, long firstSeq, long lastSeq, String firstId, String lastId, long count, String detail) {
    }

    /** What one walk found. */
    public record Report(String namespace, Instant since, long checked, long firstSeq, long lastSeq, String firstId, String lastId,
                         long headSeq, int anchors, long legacyEvents, List<Finding> findings) {
        public boolean clean() {
            return findings.isEmpty();
        }
    }

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final ChainKey chain;
    private final EventAnchor anchor;

    public ChainVerifier(UnifiedJedis redis, RedisKeys keys, ChainKey chain, EventAnchor anchor) {
        this.redis = redis;
        this.keys = keys;
        this.chain = chain;
        this.anchor = anchor;
    }

    private record Trim(long firstSeq, long lastSeq, String lastMac, String id) {
    }

    /** The first event seen when it could not be checked yet (its predecessor was trimmed: the trim event names its mac). */
    private record Pending(long seq, String id, byte[] mac, byte[][] values) {
    }

    /** @param since null for the whole log; otherwise from the first event at or after it (its predecessor is read, not checked) */
    public Report verify(Instant since) {
        // the order matters: checkpoints first, then the log, so every checkpoint read names an event already appended
        List<EventAnchor.Line> anchors = anchor.read(keys.namespace());
        try {
            List<byte[]> head = redis.hmget(RedisEventLog.bytes(keys.eventsHead()), RedisEventLog.bytes("seq"), RedisEventLog.bytes("mac"),
                    RedisEventLog.bytes("id"));
            Mac mac = chain.storedKey().find().orElse(null);
            Walk walk = new Walk(mac, since);
            Map<Long, List<String>> checkpoints = new HashMap<>();
            long headSeq = -1;
            if (head.get(0) != null) {
                try {
                    headSeq = Long.parseLong(str(head.get(0)));
                    checkpoints.computeIfAbsent(headSeq, s -> new ArrayList<>()).add("head:" + (head.get(1) == null ? "" : str(head.get(1))));
                } catch (NumberFormatException damaged) {
                    walk.findings.add(new Finding("head", -1, -1, "", "", 0, "the head key " + keys.eventsHead() + " holds no sequence number"));
                }
            }
            for (EventAnchor.Line a : anchors) {
                checkpoints.computeIfAbsent(a.seq(), s -> new ArrayList<>()).add("anchor:" + a.mac() + ":" + a.id() + ":" + a.time());
            }
            walk.checkpoints = checkpoints;
            walk.run();
            walk.finish(headSeq, head.get(0) != null, anchors);
            if (mac == null && walk.checked > 0) {
                walk.findings.add(new Finding("key", -1, -1, "", "", walk.checked, "the chain key " + keys.eventsChainKey()
                        + " is missing (deleted): no MAC can be checked"));
            }
            long legacy = legacy(walk);
            return new Report(keys.namespace(), since, walk.checked, walk.firstSeq, walk.lastSeq, walk.firstId, walk.lastId,
                    headSeq, anchors.size(), legacy, walk.coalesced());
        } catch (JedisConnectionException e) {
            throw IntegException.retryLater("cannot read the security event log " + keys.events(), "Redis is unreachable: " + RedisErrors.connectionProblem(e),
                    "retry when the store is reachable", e);
        } catch (JedisException e) {
            throw IntegException.failure("cannot read the security event log " + keys.events(), e.getMessage(), null, e);
        }
    }

    /** Counts the log before the chain; those newer than the chain's first event are findings. */
    private long legacy(Walk walk) {
        long count;
        try {
            count = redis.xlen(keys.legacyEvents());
        } catch (JedisDataException notAStream) {
            return 0;
        }
        if (count > 0 && walk.firstId != null && walk.since == null) {
            List<StreamEntry> after = redis.xrange(keys.legacyEvents(), "(" + walk.firstId, "+", BATCH);
            if (!after.isEmpty()) {
                walk.findings.add(new Finding("unchained", -1, -1, after.get(0).getID().toString(),
                        after.get(after.size() - 1).getID().toString(), after.size(),
                        "events in " + keys.legacyEvents() + " (the log before the chain) newer than the chain's first event:"
                                + " written by an older integ or forged"));
            }
        }
        return count;
    }

    private final class Walk {
        final Mac mac;
        final Instant since;
        final List<Finding> findings = new ArrayList<>();
        final List<Trim> trims = new ArrayList<>();
        Map<Long, List<String>> checkpoints = Map.of();
        long checked;
        long firstSeq = -1;
        long lastSeq = -1;
        long maxSeq = -1;
        String firstId;
        String lastId;
        byte[] previous; // null: unknown
        long expected = -1;
        String previousId = "";
        Pending pending;
        Finding anchorMismatch;

        Walk(Mac mac, Instant since) {
            this.mac = mac;
            this.since = since;
        }

        void run() {
            byte[] key = RedisEventLog.bytes(keys.events());
            String start = "-";
            if (since != null) {
                start = since.toEpochMilli() + "-0";
                List<StreamEntry> before = redis.xrevrange(keys.events(), "(" + start, "-", 1);
                if (!before.isEmpty()) {
                    Map<String, String> f = before.get(0).getFields();
                    try {
                        expected = Long.parseLong(f.getOrDefault("seq", "")) + 1;
                        previous = ChainKey.unhex(f.getOrDefault("mac", ""));
                        previousId = before.get(0).getID().toString();
                    } catch (IllegalArgumentException unreadable) {
                        expected = -1;
                    }
                }
            }
            ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "events-verify-reader");
                t.setDaemon(true);
                return t;
            });
            try {
                String from = start;
                CompletableFuture<List<Object>> next = fetch(reader, key, from);
                while (true) {
                    List<Object> batch = next.get();
                    if (batch.isEmpty()) {
                        return;
                    }
                    @SuppressWarnings("unchecked")
                    List<Object> lastEntry = (List<Object>) batch.get(batch.size() - 1);
                    String lastOfBatch = str(lastEntry.get(0));
                    boolean more = batch.size() == BATCH;
                    if (more) {
                        next = fetch(reader, key, "(" + lastOfBatch);
                    }
                    checkBatch(batch);
                    if (!more) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw IntegException.failure("events verify was interrupted", null, null, e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } finally {
                reader.shutdownNow();
            }
        }

        private CompletableFuture<List<Object>> fetch(ExecutorService reader, byte[] key, String from) {
            return CompletableFuture.supplyAsync(() -> redis.xrange(key, RedisEventLog.bytes(from), RedisEventLog.bytes("+"), BATCH), reader);
        }

        /** One event's MAC to check: the checks of a batch run in parallel, the walk itself is sequential. */
        private record MacJob(long seq, String id, byte[] tag, byte[] previous, byte[][] values) {
        }

        private final List<MacJob> jobs = new ArrayList<>();

        void checkBatch(List<Object> batch) {
            jobs.clear();
            for (Object o : batch) {
                @SuppressWarnings("unchecked")
                List<Object> entry = (List<Object>) o;
                @SuppressWarnings("unchecked")
                List<byte[]> fields = (List<byte[]>) entry.get(1);
                check(str(entry.get(0)), fields);
            }
            boolean[] ok = new boolean[jobs.size()];
            IntStream.range(0, jobs.size()).parallel().forEach(i -> {
                MacJob j = jobs.get(i);
                ok[i] = ChainKey.verifies(mac, j.tag(), j.previous(), j.seq(), j.values());
            });
            for (int i = 0; i < ok.length; i++) {
                if (!ok[i]) {
                    MacJob j = jobs.get(i);
                    findings.add(new Finding("altered", j.seq(), j.seq(), j.id(), j.id(), 1, "the MAC does not match the event (rewritten or forged)"));
                }
            }
        }

        void check(String id, List<byte[]> fields) {
            checked++;
            String seqText = null;
            String macText = null;
            byte[][] values = new byte[FIELD_NAMES.length][];
            if (inIntegsOrder(fields)) {
                seqText = str(fields.get(1));
                macText = str(fields.get(3));
                for (int f = 0; f < values.length; f++) {
                    values[f] = fields.get(5 + 2 * f);
                }
            } else {
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    byte[] name = fields.get(i);
                    if (Arrays.equals(name, SEQ)) {
                        seqText = str(fields.get(i + 1));
                    } else if (Arrays.equals(name, MAC)) {
                        macText = str(fields.get(i + 1));
                    } else {
                        for (int f = 0; f < FIELD_NAMES.length; f++) {
                            if (Arrays.equals(name, FIELD_NAMES[f])) {
                                values[f] = fields.get(i + 1);
                            }
                        }
                    }
                }
            }
            long seq;
            byte[] tag;
            try {
                seq = Long.parseLong(seqText);
                tag = ChainKey.unhex(macText);
            } catch (RuntimeException noChainFields) {
                findings.add(new Finding("altered", -1, -1, id, id, 1, "no valid seq and mac: not written by integ's chain"));
                previous = null;
                return;
            }
            for (int f = 0; f < values.length; f++) {
                if (values[f] == null) {
                    values[f] = new byte[0]; // a missing field fails the MAC below
                }
            }
            if (firstSeq < 0) {
                firstSeq = seq;
                firstId = id;
            }
            if (expected < 0) {
                if (seq == 1) {
                    previous = ChainKey.GENESIS;
                } else {
                    pending = new Pending(seq, id, tag, values);
                }
            } else if (seq > expected) {
                findings.add(new Finding("gap", expected, seq - 1, previousId, id, seq - expected,
                        "events missing between " + previousId + " and " + id + " (deleted)"));
                previous = null;
            } else if (seq < expected) {
                findings.add(new Finding(seq == 1 ? "restarted" : "out_of_order", seq, seq, id, id, 1,
                        "sequence number " + seq + " after " + (expected - 1) + ": " + (seq == 1 ? "a new chain was started inside the log"
                                : "an event re-added or spliced in")));
                previous = null;
            }
            if (previous != null && mac != null) {
                jobs.add(new MacJob(seq, id, tag, previous, values));
            }
            if (Arrays.equals(values[1], CHAIN_START_BYTES) && Arrays.equals(values[2], FAILURE_BYTES)) {
                findings.add(new Finding("restarted", seq, seq, id, id, 1,
                        "a new chain began although its key existed: the log and its head had been deleted"));
            } else if (Arrays.equals(values[1], TRIMMED_BYTES)) {
                Map<String, String> d = StoredEvent.of(id, Map.of("details", new String(values[7], StandardCharsets.UTF_8))).details();
                try {
                    trims.add(new Trim(Long.parseLong(d.get("first_seq")), Long.parseLong(d.get("last_seq")), d.getOrDefault("last_mac", ""), id));
                } catch (NumberFormatException | NullPointerException damaged) {
                    findings.add(new Finding("altered", seq, seq, id, id, 1, "an events.trimmed event without its range"));
                }
            }
            List<String> marks = checkpoints.get(seq);
            if (marks != null) {
                for (String m : marks) {
                    String[] p = m.split(":", 3);
                    if (!p[1].equals(macText)) {
                        Finding f = new Finding("restarted", seq, seq, id, id, 1, ("head".equals(p[0]) ? "the head key" : "the anchor file")
                                + " names another event at seq " + seq + ": the log was replaced by another chain");
                        if ("head".equals(p[0])) {
                            findings.add(f);
                        } else {
                            anchorMismatch = f; // the newest one is enough
                        }
                    }
                }
            }
            previous = tag;
            expected = seq + 1;
            previousId = id;
            lastSeq = seq;
            maxSeq = Math.max(maxSeq, seq);
            lastId = id;
        }

        void finish(long headSeq, boolean headPresent, List<EventAnchor.Line> anchors) {
            if (anchorMismatch != null) {
                findings.add(anchorMismatch);
            }
            if (pending != null) {
                Trim covering = trims.stream().filter(t -> t.lastSeq() == pending.seq() - 1).reduce((a, b) -> b).orElse(null);
                if (covering == null) {
                    findings.add(new Finding("untracked_trim", 1, pending.seq() - 1, "", pending.id(), pending.seq() - 1,
                            "the events before seq " + pending.seq() + " are gone and no events.trimmed event records their trim"));
                } else if (mac != null) {
                    byte[] lastMac;
                    try {
                        lastMac = ChainKey.unhex(covering.lastMac());
                    } catch (IllegalArgumentException damaged) {
                        lastMac = new byte[0];
                    }
                    if (lastMac.length != 32 || !ChainKey.verifies(mac, pending.mac(), lastMac, pending.seq(), pending.values())) {
                        findings.add(new Finding("altered", pending.seq(), pending.seq(), pending.id(), pending.id(), 1,
                                "the MAC does not match the event (rewritten or forged)"));
                    }
                }
            }
            // a gap a recorded trim covers: that trim ran while this walk read the log
            findings.removeIf(f -> f.kind().equals("gap") && trims.stream().anyMatch(t -> t.firstSeq() <= f.firstSeq() && f.lastSeq() <= t.lastSeq()));
            if (headPresent && headSeq > maxSeq) {
                findings.add(new Finding("restarted", lastSeq + 1, headSeq, lastId == null ? "" : lastId, "", headSeq - Math.max(lastSeq, 0),
                        lastSeq < 0 ? "the log is empty but its head key is at seq " + headSeq + ": the log was deleted"
                                : "the head key is at seq " + headSeq + ", ahead of the log's newest event: the newest events were deleted"));
            }
            if (!headPresent && checked > 0) {
                findings.add(new Finding("head", -1, -1, "", "", 0, "the head key " + keys.eventsHead() + " is missing (deleted)"));
            }
            anchors.stream().filter(a -> a.seq() > maxSeq).max(Comparator.comparingLong(EventAnchor.Line::seq)).ifPresent(a ->
                    findings.add(new Finding("restarted", Math.max(lastSeq, 0) + 1, a.seq(), lastId == null ? "" : lastId, a.id(),
                            a.seq() - Math.max(lastSeq, 0), "the anchor file names seq " + a.seq() + " (id " + a.id() + ", written " + a.time()
                            + "), beyond the log's newest event" + (lastSeq < 0 ? " (the log is empty)" : " (seq " + lastSeq + ")")
                            + ": the log was deleted, truncated or restarted")));
        }

        /** Consecutive altered events as one finding. */
        List<Finding> coalesced() {
            List<Finding> out = new ArrayList<>();
            List<Finding> ordered = new ArrayList<>(findings);
            ordered.sort(Comparator.comparingLong(f -> f.firstSeq() < 0 ? Long.MAX_VALUE : f.firstSeq()));
            for (Finding f : ordered) {
                Finding last = out.isEmpty() ? null : out.get(out.size() - 1);
                if (last != null && f.kind().equals("altered") && last.kind().equals("altered") && last.lastSeq() >= 0
                        && f.firstSeq() == last.lastSeq() + 1) {
                    out.set(out.size() - 1, new Finding("altered", last.firstSeq(), f.lastSeq(), last.firstId(), f.lastId(),
                            last.count() + 1, last.detail()));
                } else {
                    out.add(f);
                }
            }
            return out;
        }
    }

    private static final byte[] SEQ = "seq".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MAC = "mac".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CHAIN_START_BYTES = RedisEventLog.CHAIN_START.getBytes(StandardCharsets.UTF_8);
    private static final byte[] TRIMMED_BYTES = RedisEventLog.TRIMMED.getBytes(StandardCharsets.UTF_8);
    private static final byte[] FAILURE_BYTES = SecurityEvent.FAILURE.getBytes(StandardCharsets.UTF_8);

    /** Whether the entry has the fields in the order integ's script writes them: then no name needs searching. */
    private static boolean inIntegsOrder(List<byte[]> fields) {
        if (fields.size() != 4 + 2 * FIELD_NAMES.length || !Arrays.equals(fields.get(0), SEQ)
                || !Arrays.equals(fields.get(2), MAC)) {
            return false;
        }
        for (int f = 0; f < FIELD_NAMES.length; f++) {
            if (!Arrays.equals(fields.get(4 + 2 * f), FIELD_NAMES[f])) {
                return false;
            }
        }
        return true;
    }

    private static String str(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(o);
    }
}
