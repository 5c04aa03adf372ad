package dev.integ.keys;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.integ.core.IntegException;
import dev.integ.store.RedisKeys;
import dev.integ.store.ReplicaAcks;
import redis.clients.jedis.UnifiedJedis;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The data keyset as stored in Redis, encrypted under the master key with the namespace as
 * associated data (a keyset copied into another namespace does not decrypt).
 */
public final class Keyring {
    private final KeysetRepository repository;
    private final MasterKey master;
    private final byte[] associatedData;
    private final String where;
    private final Clock clock;
    private final IntegrityAlarm alarm;
    private final Function<Keyring, DataKeys> whenAbsent;

    public Keyring(UnifiedJedis redis, RedisKeys keys, MasterKey master, Clock clock) {
        this(redis, keys, master, clock, IntegrityAlarm.NONE);
    }

    /** @param alarm told about a damaged keyset, one that does not decrypt, and a master key that cannot be used */
    public Keyring(UnifiedJedis redis, RedisKeys keys, MasterKey master, Clock clock, IntegrityAlarm alarm) {
        this(redis, keys, master, clock, alarm, ReplicaAcks.none(redis));
    }

    /** @param acks keyset writes wait for the replicas these ask for */
    public Keyring(UnifiedJedis redis, RedisKeys keys, MasterKey master, Clock clock, IntegrityAlarm alarm, ReplicaAcks acks) {
        this(new KeysetRepository(redis, keys, acks), master, ("integ data keyset v1|" + keys.namespace()).getBytes(StandardCharsets.UTF_8),
                keys.keyset(), clock, alarm, null);
    }

    private Keyring(KeysetRepository repository, MasterKey master, byte[] associatedData, String where, Clock clock, IntegrityAlarm alarm,
                    Function<Keyring, DataKeys> whenAbsent) {
        Tink.aead();
        this.repository = repository;
        this.master = master;
        this.associatedData = associatedData;
        this.where = where;
        this.clock = clock;
        this.alarm = alarm;
        this.whenAbsent = whenAbsent;
    }

    /**
     * This keyring, asking {@code create} for the keyset when {@link #load()} finds none (the embedded
     * store's first use: vault.FirstRunKeys creates it under the `keys` lock and records it).
     */
    public Keyring createdOnFirstUse(Function<Keyring, DataKeys> create) {
        return new Keyring(repository, master, associatedData, where, clock, alarm, create);
    }

    public MasterKey master() {
        return master;
    }

    /** The keyset, decrypted; a "human must act" error when there is none or it cannot be decrypted. */
    public DataKeys load() {
        Optional<DataKeys> stored = loadIfPresent();
        if (stored.isPresent()) {
            return stored.get();
        }
        if (whenAbsent != null) {
            return whenAbsent.apply(this);
        }
        throw IntegException.humanAction("no data keyset at " + where, "the store has not been set up for credentials", "run 'integ keys init'");
    }

    public Optional<DataKeys> loadIfPresent() {
        Optional<KeysetRepository.Stored> stored = repository.load();
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        KeysetRepository.Stored s = stored.get();
        if (s.encryptedKeyset() == null) {
            throw damaged("it has no keyset field");
        }
        if (s.version() == KeysetRepository.DAMAGED) {
            throw damaged("its version field is missing or not a number");
        }
        Aead kek = IntegrityAlarm.open(master, where, alarm);
        try {
            KeysetHandle handle = TinkProtoKeysetFormat.parseEncryptedKeyset(s.encryptedKeyset(), kek, associatedData);
            return Optional.of(new DataKeys(handle, s.version(), s.created(), s.retiring(), s.lastRotation(), s.loadedAtMillis()));
        } catch (GeneralSecurityException e) {
            Optional<DataKeys> resumed = finishInterruptedRotation();
            if (resumed.isPresent()) {
                return resumed;
            }
            String why = "a different master key encrypted it, or the keyset was altered";
            alarm.raise(where, master.describe(), "cannot decrypt the data keyset: " + why);
            throw IntegException.humanAction("cannot decrypt the data keyset at " + where + " with the master key " + master.describe(), why,
                    "use the master key this store was set up with (INTEG_MASTER_KEY_FILE or vault.master-key-file)");
        }
    }

    private IntegException damaged(String why) {
        alarm.raise(where, master.describe(), "the data keyset is damaged: " + why);
        return IntegException.humanAction("the data keyset at " + where + " is damaged", why, "restore the store from a backup");
    }

    /**
     * The keyset does not open with the master key: if an in-place `keys rotate-master` of the key file
     * is unfinished (FILE.next waiting) or in its grace period (FILE.previous kept), finish it for this
     * namespace, rather than lock it out.
     */
    private Optional<DataKeys> finishInterruptedRotation() {
        if (!(master instanceof KeysetFileMasterKey file) || !file.finishRotationOf(sealed())) {
            return Optional.empty();
        }
        return openWith(master);
    }

    /** The keyset as `keys rotate-master` moves it from one master key to another. */
    public MasterKeyed sealed() {
        return new SealedKeyset(this, where);
    }

    /** Whether this namespace has a keyset at all (readable or not). */
    boolean stored() {
        return repository.load().isPresent();
    }

    /** The keyset decrypted with {@code key}, no other: empty when there is none or {@code key} does not open it. */
    Optional<DataKeys> openWith(MasterKey key) {
        Optional<KeysetRepository.Stored> stored = repository.load();
        if (stored.isEmpty() || stored.get().encryptedKeyset() == null) {
            return Optional.empty();
        }
        KeysetRepository.Stored s = stored.get();
        try {
            KeysetHandle handle = TinkProtoKeysetFormat.parseEncryptedKeyset(s.encryptedKeyset(), key.aead(), associatedData);
            return Optional.of(new DataKeys(handle, s.version(), s.created(), s.retiring(), s.lastRotation(), s.loadedAtMillis()));
        } catch (GeneralSecurityException notThisKey) {
            return Optional.empty();
        }
    }

    /** Creates the first keyset unless one exists; returns it, and whether it was created here. */
    public Created create() {
        Optional<DataKeys> existing = loadIfPresent();
        if (existing.isPresent()) {
            return new Created(existing.get(), false);
        }
        try {
            KeysetHandle handle = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
            Instant now = clock.instant();
            Map<Integer, Instant> created = Map.of(handle.getPrimary().getId(), now);
            if (repository.compareAndSet(0, encrypt(handle), created, Map.of(), null)) {
                return new Created(load(), true);
            }
            return new Created(load(), false);
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot create the data keyset", e.getMessage(), null, e);
        }
    }

    public record Created(DataKeys keys, boolean created) {
    }

    /**
     * The keys a writer holds, renewed: the same object confirmed current at Redis' time now, or the
     * keyset as stored now when it changed meanwhile. One round trip unless it changed.
     */
    public DataKeys renew(DataKeys held) {
        KeysetRepository.Confirmation now = repository.confirm();
        return now.version() == held.version() ? held.confirmedAt(now.atMillis()) : load();
    }

    /**
     * Replaces the keyset if nobody changed it since {@code previous} was loaded; keys that stay keep
     * their creation time and retiring mark.
     *
     * @return the stored keyset, or empty when another writer won (reload and try again)
     */
    public Optional<DataKeys> replace(DataKeys previous, KeysetHandle handle, Instant lastRotation, MasterKey under) {
        return replace(previous, handle, lastRotation, under, previous.retiring());
    }

    /** @param retiring since when each key is retiring (entries for keys not in {@code handle} are dropped) */
    public Optional<DataKeys> replace(DataKeys previous, KeysetHandle handle, Instant lastRotation, MasterKey under, Map<Integer, Instant> retiring) {
        Map<Integer, Instant> created = new HashMap<>();
        Map<Integer, Instant> stillRetiring = new HashMap<>();
        for (int i = 0; i < handle.size(); i++) {
            int id = handle.getAt(i).getId();
            created.put(id, previous.created().getOrDefault(id, clock.instant()));
            if (retiring.containsKey(id)) {
                stillRetiring.put(id, retiring.get(id));
            }
        }
        try {
            byte[] encrypted = TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, under.aead(), associatedData);
            if (!repository.compareAndSet(previous.version(), encrypted, created, stillRetiring, lastRotation)) {
                return Optional.empty();
            }
            // stamped with Redis' time only if nobody changed it again since; otherwise the first write renews it
            KeysetRepository.Confirmation now = repository.confirm();
            long version = previous.version() + 1;
            return Optional.of(new DataKeys(handle, version, created, stillRetiring, lastRotation,
                    now.version() == version ? now.atMillis() : 0));
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot encrypt the data keyset", e.getMessage(), null, e);
        }
    }

    private byte[] encrypt(KeysetHandle handle) throws GeneralSecurityException {
        return TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, master.aead(), associatedData);
    }
}
