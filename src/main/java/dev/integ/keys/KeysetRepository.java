package dev.integ.keys;

import dev.integ.store.RedisKeys;
import dev.integ.store.RedisScript;
import dev.integ.store.ReplicaAcks;
import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stores the encrypted data keyset in one Redis hash ({@code NS:keyset}): the Tink-encrypted
 * keyset, a version for compare-and-set, when each key was created, since when a key is retiring,
 * and when the keyset last rotated.
 */
final class KeysetRepository {
    /** Replaces the whole hash only if its version is still the one the caller read (0: absent). */
    private static final RedisScript COMPARE_AND_SET = new RedisScript("""
            local current = redis.call('HGET', KEYS[1], 'version')
            if (current == false and ARGV[1] == '0') or current == ARGV[1] then
              redis.call('DEL', KEYS[1])
              redis.call('HSET', KEYS[1], unpack(ARGV, 2))
              return 1
            end
            return 0
            """);

    /** The hash and Redis' clock in one round trip: the clock says from when a writer may use this version. */
    private static final RedisScript LOAD = new RedisScript("return {redis.call('HGETALL', KEYS[1]), redis.call('TIME')}");
    /** The version and Redis' clock: a writer renewing its lease on the keyset it holds. */
    private static final RedisScript CONFIRM = new RedisScript("return {redis.call('HGET', KEYS[1], 'version'), redis.call('TIME')}");

    /** The version of a keyset whose version field is missing or not a number: {@link Keyring} reports it damaged. */
    static final long DAMAGED = -1;

    private final UnifiedJedis redis;
    private final byte[] key;
    private final ReplicaAcks acks;

    /** @param loadedAtMillis Redis' time (epoch ms) when the hash was read */
    record Stored(byte[] encryptedKeyset, long version, Map<Integer, Instant> created, Map<Integer, Instant> retiring,
                  Instant lastRotation, long loadedAtMillis) {
    }

    /** The stored version (0: none) at Redis' time {@code atMillis}. */
    record Confirmation(long version, long atMillis) {
    }

    KeysetRepository(UnifiedJedis redis, RedisKeys keys, ReplicaAcks acks) {
        this.redis = redis;
        this.key = keys.keyset().getBytes(StandardCharsets.UTF_8);
        this.acks = acks;
    }

    Optional<Stored> load() {
        List<?> reply = (List<?>) LOAD.eval(redis, List.of(key), List.of());
        List<?> flat = (List<?>) reply.get(0);
        long now = serverMillis((List<?>) reply.get(1));
        if (flat.isEmpty()) {
            return Optional.empty();
        }
        Map<String, byte[]> byName = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            byName.put(text((byte[]) flat.get(i)), (byte[]) flat.get(i + 1));
        }
        Map<Integer, Instant> created = times(byName, "created:");
        Map<Integer, Instant> retiring = times(byName, "retiring:");
        long version = version(byName.get("version"));
        Instant rotated = null;
        try {
            rotated = byName.containsKey("rotated") ? Instant.parse(text(byName.get("rotated"))) : null;
        } catch (RuntimeException unreadable) {
            // shown as "never"
        }
        return Optional.of(new Stored(byName.get("keyset"), version, created, retiring, rotated, now));
    }

    /** One round trip that tells a writer whether the version it holds is still current, and when. */
    Confirmation confirm() {
        List<?> reply = (List<?>) CONFIRM.eval(redis, List.of(key), List.of());
        byte[] version = (byte[]) reply.get(0);
        return new Confirmation(version == null ? 0 : version(version), serverMillis((List<?>) reply.get(1)));
    }

    /** Redis' clock, epoch ms: a {@code TIME} reply (seconds, microseconds). */
    static long serverMillis(List<?> time) {
        return Long.parseLong(text((byte[]) time.get(0))) * 1000 + Long.parseLong(text((byte[]) time.get(1))) / 1000;
    }

    private static long version(byte[] field) {
        try {
            long version = Long.parseLong(text(field == null ? new byte[0] : field));
            return version < 0 ? DAMAGED : version;
        } catch (NumberFormatException e) {
            return DAMAGED;
        }
    }

    /** Per-key times stored as {@code PREFIX<hex id>} fields; they are for people and for the retire grace, so a damaged one is skipped. */
    private static Map<Integer, Instant> times(Map<String, byte[]> byName, String prefix) {
        Map<Integer, Instant> times = new HashMap<>();
        byName.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                try {
                    times.put((int) Long.parseLong(name.substring(prefix.length()), 16), Instant.parse(text(value)));
                } catch (RuntimeException unreadable) {
                    // shown as unknown
                }
            }
        });
        return times;
    }

    /** @return false when someone else changed the keyset since {@code expectedVersion} was read */
    boolean compareAndSet(long expectedVersion, byte[] encryptedKeyset, Map<Integer, Instant> created, Map<Integer, Instant> retiring,
                          Instant lastRotation) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(Long.toString(expectedVersion)));
        args.add(bytes("keyset"));
        args.add(encryptedKeyset);
        args.add(bytes("version"));
        args.add(bytes(Long.toString(expectedVersion + 1)));
        if (lastRotation != null) {
            args.add(bytes("rotated"));
            args.add(bytes(lastRotation.toString()));
        }
        created.forEach((id, when) -> {
            args.add(bytes("created:" + DataKeys.hex(id)));
            args.add(bytes(when.toString()));
        });
        retiring.forEach((id, since) -> {
            args.add(bytes("retiring:" + DataKeys.hex(id)));
            args.add(bytes(since.toString()));
        });
        Object result = acks.eval(COMPARE_AND_SET, List.of(key), args);
        return Long.valueOf(1).equals(result);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
