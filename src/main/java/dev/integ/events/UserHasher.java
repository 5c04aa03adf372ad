package dev.integ.events;

import com.google.crypto.tink.Mac;
import com.google.crypto.tink.mac.HmacParameters;
import dev.integ.core.IntegException;
import dev.integ.keys.IntegrityAlarm;
import dev.integ.keys.MasterKey;
import dev.integ.keys.MasterKeyed;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns a user name into the keyed HMAC the event log stores (HMAC-SHA256, full 32-byte tag, hex).
 *
 * <p>The key ({@link StoredMacKey}) is kept at {@code NS:events:key} encrypted under the master key
 * with the namespace in the associated data (as the data keyset is), so every machine sharing the
 * store computes the same HMAC, and a list of names cannot reverse it.
 */
public final class UserHasher {
    private final StoredMacKey key;
    private final Supplier<MasterKey> master;
    private final IntegrityAlarm alarm;

    /** The parameters of the HMAC key (for start-up training, which walks this path). */
    public static HmacParameters parameters() {
        return StoredMacKey.PARAMETERS;
    }

    /** @param master resolved only when a user name is first hashed */
    public UserHasher(UnifiedJedis redis, RedisKeys keys, Supplier<MasterKey> master) {
        this(redis, keys, master, IntegrityAlarm.NONE);
    }

    /**
     * @param alarm told when the stored key does not decrypt (or the master key cannot be used); it may
     *              record an event, as long as that event names no user
     */
    public UserHasher(UnifiedJedis redis, RedisKeys keys, Supplier<MasterKey> master, IntegrityAlarm alarm) {
        this.master = master;
        this.alarm = alarm;
        this.key = new StoredMacKey(redis, keys.eventsMacKey(), "integ events mac key v1|" + keys.namespace(), "user HMAC key", master,
                "use the master key this store was set up with; if that key is lost, delete " + keys.eventsMacKey()
                        + " (older events can then no longer be searched by user)", alarm);
    }

    /** The master key this hasher's key is under (the chain key is under the same one). */
    Supplier<MasterKey> master() {
        return master;
    }

    /** Where this hasher's integrity failures go (the chain key's go to the same place). */
    IntegrityAlarm alarm() {
        return alarm;
    }

    StoredMacKey storedKey() {
        return key;
    }

    /** The HMAC of {@code user}, creating the shared key if the store has none yet. */
    public String hash(String user) {
        return hex(key.get(), user);
    }

    /** The HMAC of {@code user}, or empty when the store has no key yet (so no event names any user). */
    public Optional<String> find(String user) {
        return key.find().map(m -> hex(m, user));
    }

    private static String hex(Mac mac, String user) {
        try {
            return HexFormat.of().formatHex(mac.computeMac(user.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot compute the user HMAC", e.getMessage(), null, e);
        }
    }

    /** The key as sealed under the master key, for `keys rotate-master` (as {@code Keyring.sealed()}). */
    public MasterKeyed sealed() {
        return key;
    }
}
