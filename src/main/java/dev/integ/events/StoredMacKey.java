package dev.integ.events;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.mac.HmacKeyManager;
import com.google.crypto.tink.mac.HmacParameters;
import com.google.crypto.tink.subtle.PrfMac;
import dev.integ.core.IntegException;
import dev.integ.keys.IntegrityAlarm;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.keys.MasterKeyed;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One HMAC-SHA256 key of the event log, kept in Redis as a Tink keyset encrypted under the master key
 * (the namespace and the key's purpose in the associated data), so every machine sharing the store
 * uses the same key. Created on first need with SET NX: when two machines race, both end up with the
 * winner's key. NO_PREFIX variant: a tag is plain HMAC-SHA256, 32 bytes. `keys rotate-master` moves
 * it with the same key material ({@link #reseal}), so tags made before a rotation still verify.
 */
final class StoredMacKey implements MasterKeyed {
    static final HmacParameters PARAMETERS;
    private static final byte[] RESEAL = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0"
            .getBytes(StandardCharsets.UTF_8);

    static {
        try {
            // only HMAC: MacConfig.register() would also load and register every other MAC type at each start
            HmacKeyManager.register(true);
            PARAMETERS = HmacParameters.builder().setKeySizeBytes(32).setTagSizeBytes(32)
                    .setHashType(HmacParameters.HashType.SHA256).setVariant(HmacParameters.Variant.NO_PREFIX).build();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final UnifiedJedis redis;
    private final String where;
    private final byte[] key;
    private final String purpose;
    private final String lostHint;
    private final Supplier<MasterKey> master;
    private final byte[] associatedData;
    private final IntegrityAlarm alarm;
    private Mac mac;

    /**
     * @param purpose what the key is for, in messages ("user HMAC key")
     * @param master  resolved only when the key is first needed
     * @param lostHint what to do when it does not decrypt
     * @param alarm    told when the stored key does not decrypt (or the master key cannot be used); it may
     *                 record an event, as long as that event names no user
     */
    StoredMacKey(UnifiedJedis redis, String where, String associatedData, String purpose, Supplier<MasterKey> master, String lostHint,
                 IntegrityAlarm alarm) {
        this.alarm = alarm;
        this.lostHint = lostHint;
        this.redis = redis;
        this.where = where;
        this.key = where.getBytes(StandardCharsets.UTF_8);
        this.purpose = purpose;
        this.master = master;
        this.associatedData = associatedData.getBytes(StandardCharsets.UTF_8);
    }

    byte[] redisKey() {
        return key;
    }

    synchronized boolean loaded() {
        return mac != null;
    }

    /** The key, creating it if the store has none yet. */
    Mac get() {
        return mac(true, null).orElseThrow();
    }

    /** The key, or empty when the store has none yet. */
    Optional<Mac> find() {
        return mac(false, null);
    }

    /**
     * The key from {@code stored}, the value of its Redis key read by the caller (in a pipeline with
     * other reads); created when that was null.
     */
    Mac fromStored(byte[] stored) {
        return mac(true, stored == null ? new byte[0] : stored).orElseThrow();
    }

    private synchronized Optional<Mac> mac(boolean create, byte[] prefetched) {
        if (mac != null) {
            return Optional.of(mac);
        }
        byte[] stored = prefetched == null ? redis.get(key) : prefetched.length == 0 ? null : prefetched;
        if (stored == null && create) {
            stored = createOrRead();
        }
        if (stored == null) {
            return Optional.empty();
        }
        try {
            KeysetHandle handle = decrypt(stored, master.get());
            // the one HMAC key, straight from Tink's key object: no primitive registry (and its wrappers) to load
            mac = PrfMac.create((HmacKey) handle.getPrimary().getKey());
            return Optional.of(mac);
        } catch (GeneralSecurityException e) {
            String why = "a different master key encrypted it, or the key was altered";
            alarm.raise(where, master.get().describe(), "cannot decrypt the event log's " + purpose + ": " + why);
            throw IntegException.humanAction("cannot decrypt the event log's " + purpose + " at " + where + " with the master key "
                    + master.get().describe(), why, lostHint);
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
            // the key material stays the same: tags made before the rotation still verify
            resealed = TinkProtoKeysetFormat.serializeEncryptedKeyset(handle.get(), to.aead(), associatedData);
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot re-encrypt the event log's " + purpose + " at " + where, e.getMessage(), null, e);
        }
        // the same key under another master key: only if nobody replaced it meanwhile
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
            throw IntegException.failure("cannot create the event log's " + purpose, e.getMessage(), null, e);
        }
        String ok = redis.set(key, encrypted, SetParams.setParams().nx());
        if ("OK".equals(ok)) {
            return encrypted;
        }
        byte[] winner = redis.get(key);
        if (winner == null) {
            throw IntegException.retryLater("cannot create the event log's " + purpose + " at " + where,
                    "it was created and deleted meanwhile", "retry", null);
        }
        return winner;
    }
}
