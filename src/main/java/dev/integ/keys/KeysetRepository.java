package dev.integ.keys;

import dev.integ.core.IntegException;
import dev.integ.store.RedisKeys;
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
 * keyset, a version for compare-and-set, when each key was created and when the keyset last rotated.
 */
final class KeysetRepository {
    /** Replaces the whole hash only if its version is still the one the caller read (0: absent). */
    private static final String COMPARE_AND_SET = """
            local current = redis.call('HGET', KEYS[1], 'version')
            if (current == false and ARGV[1] == '0') or current == ARGV[1] then
              redis.call('DEL', KEYS[1])
              redis.call('HSET', KEYS[1], unpack(ARGV, 2))
              return 1
            end
            return 0
            """;

    private final UnifiedJedis redis;
    private final byte[] key;

    record Stored(byte[] encryptedKeyset, long version, Map<Integer, Instant> created, Instant lastRotation) {
    }

    KeysetRepository(UnifiedJedis redis, RedisKeys keys) {
        this.redis = redis;
        this.key = keys.keyset().getBytes(StandardCharsets.UTF_8);
    }

    Optional<Stored> load() {
        Map<byte[], byte[]> fields = redis.hgetAll(key);
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        Map<String, byte[]> byName = new HashMap<>();
        fields.forEach((k, v) -> byName.put(new String(k, StandardCharsets.UTF_8), v));
        Map<Integer, Instant> created = new HashMap<>();
        byName.forEach((name, value) -> {
            if (name.startsWith("created:")) {
                try {
                    created.put((int) Long.parseLong(name.substring(8), 16), Instant.parse(text(value)));
                } catch (RuntimeException unreadable) {
                    // creation times are for people; a damaged one is shown as unknown
                }
            }
        });
        long version;
        try {
            version = Long.parseLong(text(byName.getOrDefault("version", new byte[0])));
        } catch (NumberFormatException e) {
            throw IntegException.humanAction("the data keyset at " + new String(key, StandardCharsets.UTF_8) + " is damaged",
                    "its version field is missing or not a number", "restore the store from a backup");
        }
        Instant rotated = null;
        try {
            rotated = byName.containsKey("rotated") ? Instant.parse(text(byName.get("rotated"))) : null;
        } catch (RuntimeException unreadable) {
            // shown as "never"
        }
        return Optional.of(new Stored(byName.get("keyset"), version, created, rotated));
    }

    /** @return false when someone else changed the keyset since {@code expectedVersion} was read */
    boolean compareAndSet(long expectedVersion, byte[] encryptedKeyset, Map<Integer, Instant> created, Instant lastRotation) {
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
        Object result = redis.eval(bytes(COMPARE_AND_SET), List.of(key), args);
        return Long.valueOf(1).equals(result);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
