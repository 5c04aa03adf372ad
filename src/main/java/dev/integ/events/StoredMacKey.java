package dev.integ.events;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.mac.HmacKeyManager;
import com.google.crypto.tink.mac.HmacParameters;
import com.google.crypto.tink.subtle.PrfMac;
import dev.integ.core.IntegException;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.keys.MasterKeyed;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One HMAC-SHA256 key of the event log, kept in Redis as a Tink keyset encrypted under the master key
 * (the namespace and the key's purpose in the associated data), so every machine sharing the store
 * uses the same key. Created on first need with SET NX: when two machines race, both end up with the
 * winner's key. NO_PREFIX variant: a tag is plain HMAC-SHA256, 32 bytes.
 */
final class StoredMacKey implements MasterKeyed {
    static final HmacParameters PARAMETERS;

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
    private Mac mac;

    /**
     * @param purpose what the key is for, in messages ("user HMAC key")
     * @param master  resolved only when the key is first needed
     * @param lostHint what to do when it does not decrypt
     */
    StoredMacKey(UnifiedJedis redis, String where, String associatedData, String purpose, Supplier<MasterKey> master, String lostHint) {
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
            throw IntegException.humanAction("cannot decrypt the event log's " + purpose + " at " + where + " with the master key "
                            + master.get().describe(), "a different master key encrypted it, or the key was altered",
                    lostHint);
        }
    }

    /**
     * Decrypts under {@code key}; during an in-place `keys rotate-master` (FILE.next still waiting) the
     * key may already be under the next master key.
     */
    private KeysetHandle decrypt(byte[] stored, MasterKey key) throws GeneralSecurityException {
        try {
            return TinkProtoKeysetFormat.parseEncryptedKeyset(stored, key.aead(), associatedData);
        } catch (GeneralSecurityException notUnderIt) {
            if (key instanceof KeysetFileMasterKey file && file.pending().exists()) {
                return TinkProtoKeysetFormat.parseEncryptedKeyset(stored, file.pending().aead(), associatedData);
            }
            throw notUnderIt;
        }
    }

    @Override
    public void rewrap(MasterKey from, MasterKey to) {
        byte[] stored = redis.get(key);
        if (stored == null) {
            return;
        }
        try {
            TinkProtoKeysetFormat.parseEncryptedKeyset(stored, to.aead(), associatedData);
            return; // already under the new key: an interrupted run is being repeated
        } catch (GeneralSecurityException notYet) {
            // re-encrypt below
        }
        try {
            KeysetHandle handle = TinkProtoKeysetFormat.parseEncryptedKeyset(stored, from.aead(), associatedData);
            // the key material stays the same: tags made before the rotation still verify
            redis.set(key, TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, to.aead(), associatedData));
        } catch (GeneralSecurityException e) {
            throw IntegException.humanAction("cannot re-encrypt the event log's " + purpose + " at " + where,
                    "it does not decrypt under " + from.describe(), "restore the master key this store was set up with");
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
