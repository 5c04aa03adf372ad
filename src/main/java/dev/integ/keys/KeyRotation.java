package dev.integ.keys;

import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.vault.CredentialVault;

import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The `keys` jobs: set up, inspect, rotate and retire data keys, and rewrap records under the primary
 * key ({@link MasterKeyRotation} moves keysets to a new master key). Every job that writes holds the
 * {@link AdminLock}, and every keyset write is a compare-and-set, so two jobs never lose each other's work.
 */
public final class KeyRotation {
    private static final int CAS_ATTEMPTS = 10;

    private final Keyring keyring;
    private final CredentialVault vault;
    private final Supplier<AdminLock> lock;
    private final EventLog events;

    /** Told how far a long job has come. */
    public interface Progress {
        Progress NONE = (done, total) -> { };

        void update(long done, long total);
    }

    public record InitResult(String master, boolean masterCreated, boolean keysetCreated, String primaryKey, boolean dryRun) {
    }

    public record KeyUse(String id, String status, boolean primary, Instant created, long records) {
    }

    /** @param unknownKeyRecords records whose ciphertext names a key the keyset does not have */
    public record Status(String master, List<KeyUse> keys, long records, long unknownKeyRecords, Instant lastRotation,
                         long keysetVersion) {
    }

    public record RotateResult(String previousPrimary, String newPrimary, boolean dryRun) {
    }

    /**
     * @param raced records another writer changed while this job worked on them: their new version is
     *              already under the primary key, or the next run rewraps them
     */
    public record RewrapResult(String primaryKey, long scanned, long rewrapped, long alreadyCurrent, long raced, long damaged,
                               List<String> damagedNames, boolean dryRun) {
    }

    public record RetireResult(String key, boolean dryRun) {
    }

    public KeyRotation(Keyring keyring, CredentialVault vault, Supplier<AdminLock> lock) {
        this(keyring, vault, lock, vault.events());
    }

    /** @param events where each job records itself before it changes anything (the vault's log, unless a test says otherwise) */
    public KeyRotation(Keyring keyring, CredentialVault vault, Supplier<AdminLock> lock, EventLog events) {
        Tink.aead();
        this.events = events;
        this.keyring = keyring;
        this.vault = vault;
        this.lock = lock;
    }

    public InitResult init(boolean dryRun) {
        MasterKey master = keyring.master();
        boolean createMaster = !master.exists();
        if (dryRun) {
            Optional<DataKeys> existing = createMaster ? Optional.empty() : keyring.loadIfPresent();
            return new InitResult(master.describe(), createMaster, existing.isEmpty(),
                    existing.map(k -> DataKeys.hex(k.primaryId())).orElse(null), true);
        }
        if (createMaster) {
            if (!(master instanceof KeysetFileMasterKey)) {
                throw IntegException.humanAction("the master key " + master.describe() + " does not exist", null,
                        "create it in your KMS first");
            }
            master.create();
        }
        try (AdminLock held = lock.get()) {
            if (keyring.loadIfPresent().isEmpty()) {
                events.record(SecurityEvent.success("keys.init", null, null, Map.of("master", master.describe())));
            }
            Keyring.Created created = keyring.create();
            return new InitResult(master.describe(), createMaster, created.created(), DataKeys.hex(created.keys().primaryId()), false);
        }
    }

    /** Reads only the key-id prefix of each ciphertext: counting needs no decryption. */
    public Status status() {
        DataKeys keys = keyring.load();
        Map<Integer, Long> uses = countByKey();
        long total = uses.values().stream().mapToLong(Long::longValue).sum();
        List<KeyUse> list = new ArrayList<>();
        for (DataKeys.KeyInfo k : keys.keys()) {
            list.add(new KeyUse(k.hexId(), k.status(), k.primary(), k.created(), uses.getOrDefault(k.id(), 0L)));
        }
        long known = list.stream().mapToLong(KeyUse::records).sum();
        return new Status(keyring.master().describe(), list, total, total - known, keys.lastRotation(), keys.version());
    }

    public RotateResult rotate(boolean dryRun) {
        try (AdminLock held = lock.get()) {
            for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
                DataKeys keys = keyring.load();
                String previous = DataKeys.hex(keys.primaryId());
                KeysetHandle.Builder builder = KeysetHandle.newBuilder(keys.handle());
                builder.addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId().makePrimary());
                KeysetHandle rotated = build(builder);
                if (dryRun) {
                    return new RotateResult(previous, null, true);
                }
                events.record(SecurityEvent.success("keys.rotate", null, null,
                        Map.of("previous_primary", previous, "new_primary", DataKeys.hex(rotated.getPrimary().getId()))));
                Optional<DataKeys> stored = keyring.replace(keys, rotated, Instant.now(vault.clock()), keyring.master());
                if (stored.isPresent()) {
                    return new RotateResult(previous, DataKeys.hex(stored.get().primaryId()), false);
                }
            }
        }
        throw IntegException.retryLater("the keyset kept changing under 'keys rotate'", null, "retry", null);
    }

    /**
     * Re-encrypts every record that is not under the primary key. Idempotent and resumable: a record
     * already under the primary key is skipped, and each write is a compare-and-set on the record's
     * rev, so a refresh that lands meanwhile is never overwritten.
     */
    public RewrapResult rewrap(boolean dryRun, Progress progress) {
        try (AdminLock held = lock.get()) {
            DataKeys keys = keyring.load();
            int primary = keys.primaryId();
            if (!dryRun) {
                events.record(SecurityEvent.success("keys.rewrap", null, null, Map.of("primary", DataKeys.hex(primary))));
            }
            long total = progress == Progress.NONE ? -1 : countByKey().values().stream().mapToLong(Long::longValue).sum();
            long[] n = new long[5]; // scanned, rewrapped, current, raced, damaged
            List<String> damagedNames = new ArrayList<>();
            Consumer<CredentialVault.RewrapBatch> count = done -> {
                n[0] += done.scanned();
                n[1] += done.rewrapped();
                n[2] += done.alreadyCurrent();
                n[3] += done.raced();
                n[4] += done.damaged().size();
                done.damaged().stream().limit(Math.max(0, 20 - damagedNames.size())).forEach(d -> damagedNames.add(d.name()));
                held.extend();
                progress.update(n[0], total);
            };
            // writes go out on their own thread while the next batch is decrypted: the compare-and-set
            // scripts cost Redis CPU that would otherwise add to the client's
            try (WriteBehind<CredentialVault.RewrapBatch> writer = new WriteBehind<>(2)) {
                vault.scanRecords(batch -> {
                    CredentialVault.RewrapPlan plan = vault.planRewrap(batch);
                    if (dryRun) {
                        count.accept(plan.unapplied());
                    } else {
                        writer.submit(() -> vault.apply(plan)).forEach(count);
                    }
                });
                writer.finish().forEach(count);
            }
            return new RewrapResult(DataKeys.hex(primary), n[0], n[1], n[2], n[3], n[4], damagedNames, dryRun);
        }
    }

    /** Disables, then removes, a key that no record uses any more. */
    public RetireResult retire(int keyId, boolean dryRun) {
        try (AdminLock held = lock.get()) {
            DataKeys keys = keyring.load();
            DataKeys.KeyInfo key = keys.keys().stream().filter(k -> k.id() == keyId).findFirst()
                    .orElseThrow(() -> IntegException.notFound("no key " + DataKeys.hex(keyId) + " in the keyset", null,
                            "'integ keys status' lists the keys"));
            if (key.primary()) {
                throw IntegException.usage("key " + key.hexId() + " is the primary key", "new records are encrypted under it",
                        "run 'integ keys rotate' first, then 'integ keys rewrap'");
            }
            long using = countByKey().getOrDefault(keyId, 0L);
            if (using > 0) {
                throw IntegException.failure("key " + key.hexId() + " still encrypts " + using + " record" + (using == 1 ? "" : "s"),
                        "retiring it would make them unreadable", "run 'integ keys rewrap' first", null);
            }
            if (dryRun) {
                return new RetireResult(key.hexId(), true);
            }
            events.record(SecurityEvent.success("keys.retire", null, null, Map.of("key", key.hexId())));
            // disable first: were a record still under it, reads would fail loudly before anything is destroyed
            DataKeys disabled = replaceEntry(keys, keyId, KeyStatus.DISABLED);
            if (countByKey().getOrDefault(keyId, 0L) > 0) {
                // a disabled key decrypts nothing, so rewrap could not move those records: enable it again
                replaceEntry(disabled, keyId, KeyStatus.ENABLED);
                throw IntegException.failure("key " + key.hexId() + " gained records while being retired", "it stays enabled",
                        "run 'integ keys rewrap', then retire it again", null);
            }
            replaceEntry(disabled, keyId, null);
            return new RetireResult(key.hexId(), false);
        }
    }

    /** @param status the key's new status, or null to delete it */
    private DataKeys replaceEntry(DataKeys keys, int keyId, KeyStatus status) {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            KeysetHandle.Builder builder = KeysetHandle.newBuilder(keys.handle());
            for (int i = 0; i < builder.size(); i++) {
                if (keys.handle().getAt(i).getId() == keyId) {
                    if (status == null) {
                        builder.deleteAt(i);
                    } else {
                        builder.getAt(i).setStatus(status);
                    }
                    break;
                }
            }
            Optional<DataKeys> stored = keyring.replace(keys, build(builder), keys.lastRotation(), keyring.master());
            if (stored.isPresent()) {
                return stored.get();
            }
            keys = keyring.load();
        }
        throw IntegException.retryLater("the keyset kept changing", null, "retry", null);
    }

    private Map<Integer, Long> countByKey() {
        Map<Integer, Long> uses = new LinkedHashMap<>();
        vault.store().scan(null, 1000, batch -> batch.forEach(s -> uses.merge(CredentialVault.keyIdOfRecord(s), 1L, Long::sum)));
        return uses;
    }

    private static KeysetHandle build(KeysetHandle.Builder builder) {
        try {
            return builder.build();
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot change the data keyset", e.getMessage(), null, e);
        }
    }

}
