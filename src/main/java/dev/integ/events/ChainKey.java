package dev.integ.events;

import com.google.crypto.tink.Mac;
import dev.integ.core.IntegException;
import dev.integ.keys.IntegrityAlarm;
import dev.integ.keys.MasterKey;
import dev.integ.keys.MasterKeyed;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.UnifiedJedis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * The key that chains the event log: every event's MAC is HMAC-SHA256 (Tink) over the previous
 * event's MAC, its sequence number and every field, so an event deleted, altered or moved breaks the
 * chain. A separate key from the user-name HMAC key, kept the same way ({@link StoredMacKey}) at
 * {@code NS:events:chain-key}, and moved by `keys rotate-master` with the same key material, so tags
 * made before a rotation still verify. The MAC is computed here, client side: the key never reaches Redis.
 */
public final class ChainKey {
    /** The MAC before the first event of a chain. */
    static final byte[] GENESIS = new byte[32];
    private static final byte[] DOMAIN = "integ events chain v1\0".getBytes(StandardCharsets.UTF_8);

    private final StoredMacKey key;

    public ChainKey(UnifiedJedis redis, RedisKeys keys, Supplier<MasterKey> master) {
        this(redis, keys, master, IntegrityAlarm.NONE);
    }

    /** @param alarm told when the stored key does not decrypt (or the master key cannot be used) */
    public ChainKey(UnifiedJedis redis, RedisKeys keys, Supplier<MasterKey> master, IntegrityAlarm alarm) {
        this.key = new StoredMacKey(redis, keys.eventsChainKey(), "integ events chain key v1|" + keys.namespace(), "chain key", master,
                // never "delete it": a new key would make every event recorded so far fail `events verify`
                "use the master key this store was set up with (INTEG_MASTER_KEY_FILE or vault.master-key-file)", alarm);
    }

    StoredMacKey storedKey() {
        return key;
    }

    /** The MAC of an event: over the previous MAC (GENESIS for the first), its sequence number and field values, in {@link EventFields#NAMES} order. */
    static byte[] tag(Mac mac, byte[] previous, long seq, byte[][] values) {
        try {
            return mac.computeMac(input(previous, seq, values));
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot compute the event chain MAC", e.getMessage(), null, e);
        }
    }

    byte[] tag(byte[] previous, long seq, byte[][] values) {
        return tag(key.get(), previous, seq, values);
    }

    /** Whether {@code tag} is the MAC of that event (constant-time comparison, by Tink). */
    static boolean verifies(Mac mac, byte[] tag, byte[] previous, long seq, byte[][] values) {
        try {
            mac.verifyMac(tag, input(previous, seq, values));
            return true;
        } catch (GeneralSecurityException mismatch) {
            return false;
        }
    }

    Mac mac() {
        return key.get();
    }

    private static byte[] input(byte[] previous, long seq, byte[][] values) {
        int size = DOMAIN.length + 32 + 8;
        for (byte[] v : values) {
            size += 4 + v.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(DOMAIN).put(previous).putLong(seq);
        for (byte[] v : values) {
            b.putInt(v.length).put(v);
        }
        return b.array();
    }

    static String hex(byte[] tag) {
        return HexFormat.of().formatHex(tag);
    }

    static byte[] unhex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** The key as sealed under the master key, for `keys rotate-master` (as {@code Keyring.sealed()}). */
    public MasterKeyed sealed() {
        return key;
    }
}
