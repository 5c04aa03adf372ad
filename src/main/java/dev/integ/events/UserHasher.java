package dev.integ.events;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.mac.HmacParameters;
import dev.integ.core.IntegException;
import dev.integ.keys.IntegrityAlarm;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.keys.MasterKeyed;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns a user name into the keyed HMAC the event log stores (HMAC-SHA256, full 32-byte tag, hex).
 *
 * <p>The key is a Tink MAC keyset with one key, kept at {@code NS:events:key} encrypted under the
 * master key with the namespace in the associated data (as the data keyset is), so every machine
 * sharing the store computes the same HMAC. It is created on first need with SET NX: when two
 * machines race, both end up with the winner's key. The key uses Tink's NO_PREFIX variant (the
 * same algorithm as HMAC_SHA256_256BITTAG without the 5-byte key-id prefix), so a tag is plain
 * HMAC-SHA256 and 64 hex characters.
 */
public final class UserHasher implements MasterKeyed {
    static final HmacParameters PARAMETERS;
    private static final byte[] RESEAL = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0"
            .getBytes(StandardCharsets.UTF_8);

    static {
        try {
            // only HMAC: MacConfig.register() would also load and register every other MAC type at each start
            com.google.crypto.tink.mac.HmacKeyManager.register(true);
            PARAMETERS = HmacParameters.builder().setKeySizeBytes(32).setTagSizeBytes(32)
                    .setHashType(HmacParameters.HashType.SHA256).setVariant(HmacParameters.Variant.NO_PREFIX).build();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The parameters of the HMAC key (for start-up training, which walks this path). */
    public static HmacParameters parameters() {
        return PARAMETERS;
    }

    private final UnifiedJedis redis;
    private final byte[] key;
    private final String where;
    private final Supplier<MasterKey> master;
    private final byte[] associatedData;
    private final IntegrityAlarm alarm;
    private Mac mac;

    /** @param master resolved only when a user name is first hashed (events without a user need no master key) */
    public UserHasher(UnifiedJedis redis, RedisKeys keys, Supplier<MasterKey> master) {
        this(redis, keys, master, IntegrityAlarm.NONE);
    }

    /**
     * @param alarm told when the stored key does not decrypt (or the master key cannot be used); it may
     *              record an event, as long as that event names no user
     */
    public UserHasher(UnifiedJedis redis, RedisKeys keys, Supplier<MasterKey> master, IntegrityAlarm alarm) {
        this.alarm = alarm;
        this.redis = redis;
        this.where = keys.eventsMacKey();
        this.key = where.getBytes(StandardCharsets.UTF_8);
        this.master = master;
        this.associatedData = ("integ events mac key v1|" + keys.namespace()).getBytes(StandardCharsets.UTF_8);
    }

    /** The HMAC of {@code user}, creating the shared key if the store has none yet. */
    public String hash(String user) {
        return hex(mac(true).orElseThrow(), user);
    }

    /** The HMAC of {@code user}, or empty when the store has no key yet (so no event names any user). */
    public Optional<String> find(String user) {
        return mac(false).map(m -> hex(m, user));
    }

    private static String hex(Mac mac, String user) {
        try {
            return HexFormat.of().formatHex(mac.computeMac(user.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot compute the user HMAC", e.getMessage(), null, e);
        }
    }

    private synchronized Optional<Mac> mac(boolean create) {
        if (mac != null) {
            return Optional.of(mac);
        }
        byte[] stored = redis.get(key);
        if (stored == null && create) {
            stored = createOrRead();
        }
        if (stored == null) {
            return Optional.empty();
        }
        try {
            KeysetHandle handle = decrypt(stored, master.get());
            // the one HMAC key, straight from Tink's key object: no primitive registry (and its wrappers) to load
            mac = com.google.crypto.tink.subtle.PrfMac.create((com.google.crypto.tink.mac.HmacKey) handle.getPrimary().getKey());
            return Optional.of(mac);
        } catch (GeneralSecurityException e) {
            String why = "a different master key encrypted it, or the key was altered";
            alarm.raise(where, master.get().describe(), "cannot decrypt the event log's user HMAC key: " + why);
            throw IntegException.humanAction("cannot decrypt the event log's user HMAC key at " + where + " with the master key "
                            + master.get().describe(), why,
                    "use the master key this store was set up with; if that key is lost, delete " + where
                            + " (older events can then no longer be searched by user)");
        }
    }

    /**
     * Decrypts under {@code key}; an in-place `keys rotate-master` that is unfinished or in its grace
     * period (FILE.next or FILE.previous) is finished for this key first, as the keyring does.
     */
    private KeysetHandle decrypt(byte[] stored, MasterKey key) throws GeneralSecurityException {
        try {
            return TinkProtoKeysetFormat.parseEncryptedKeyset(stored, IntegrityAlarm.open(key, where, alarm), associatedData);
        } catch (GeneralSecurityException notUnderIt) {
            if (key instanceof KeysetFileMasterKey file && file.finishRotationOf(this)) {
                byte[] moved = redis.get(this.key);
                if (moved != null) {
                    return TinkProtoKeysetFormat.parseEncryptedKeyset(moved, key.aead(), associatedData);
                }
            }
            throw notUnderIt;
        }
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public Seal sealedUnder(List<MasterKey> keys) {
        byte[] stored = redis.get(key);
        if (stored == null) {
            return Seal.ABSENT;
        }
        for (MasterKey candidate : keys) {
            if (open(stored, candidate).isPresent()) {
                return new Seal(true, candidate);
            }
        }
        return Seal.NONE;
    }

    @Override
    public boolean reseal(MasterKey from, MasterKey to) {
        byte[] stored = redis.get(key);
        Optional<KeysetHandle> handle = stored == null ? Optional.empty() : open(stored, from);
        if (handle.isEmpty()) {
            return false;
        }
        byte[] resealed;
        try {
            resealed = TinkProtoKeysetFormat.serializeEncryptedKeyset(handle.get(), to.aead(), associatedData);
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot re-encrypt the event log's user HMAC key at " + where, e.getMessage(), null, e);
        }
        // the same HMAC key under another master key: only if nobody replaced it meanwhile
        boolean replaced = Long.valueOf(1).equals(redis.eval(RESEAL, List.of(key), List.of(stored, resealed)));
        synchronized (this) {
            mac = null;
        }
        return replaced;
    }

    private Optional<KeysetHandle> open(byte[] stored, MasterKey key) {
        try {
            return Optional.of(TinkProtoKeysetFormat.parseEncryptedKeyset(stored, key.aead(), associatedData));
        } catch (GeneralSecurityException notThisKey) {
            return Optional.empty();
        }
    }

    /** Creates a key and stores it unless another process did first; returns whichever is stored. */
    private byte[] createOrRead() {
        byte[] encrypted;
        try {
            KeysetHandle handle = KeysetHandle.generateNew(PARAMETERS);
            encrypted = TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, master.get().aead(), associatedData);
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot create the event log's user HMAC key", e.getMessage(), null, e);
        }
        String ok = redis.set(key, encrypted, SetParams.setParams().nx());
        if ("OK".equals(ok)) {
            return encrypted;
        }
        byte[] winner = redis.get(key);
        if (winner == null) {
            throw IntegException.retryLater("cannot create the event log's user HMAC key at " + where,
                    "it was created and deleted meanwhile", "retry", null);
        }
        return winner;
    }
}
