package dev.integ.vault;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.keys.AdminLock;
import dev.integ.keys.DataKeys;
import dev.integ.keys.Keyring;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.keys.MasterKeyRotation;

import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
 * It lives in vault, not keys: rewrap and retire work on the vault's records (keys sits below vault).
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

    /** @param status enabled, retiring (marked by {@code keys retire}, still decrypting), disabled or destroyed */
    public record KeyUse(String id, String status, boolean primary, Instant created, Instant retiringSince, long records) {
    }

    /** @param unknownKeyRecords records whose ciphertext names a key the keyset does not have */
    public record Status(String master, List<KeyUse> keys, long records, long unknownKeyRecords, Instant lastRotation,
                         long keysetVersion) {
    }

    public record RotateResult(String previousPrimary, String newPrimary, boolean dryRun) {
    }

    /**
     * @param raced   records another writer changed while this job worked on them: their new version is
     *                already under the primary key, or the next run rewraps them
     * @param damaged records that do not verify, left as they were (each was handed to the caller as it was found)
     */
    public record RewrapResult(String primaryKey, long scanned, long rewrapped, long alreadyCurrent, long raced, long damaged,
                               boolean dryRun) {
    }

    /** What {@code keys retire} did to a key, or would do. */
    public enum RetireStep {
        /** marked now: still decrypts, deletable once the grace period is over */
        MARKED,
        /** marked before, and the grace period is not over yet: nothing changed */
        WAITING,
        /** deleted from the keyset */
        DELETED,
        /** the mark was taken back: an ordinary key again */
        CANCELLED
    }

    /** @param deletableAfter when the key's material may be deleted (null once deleted or cancelled) */
    public record RetireResult(String key, RetireStep step, Instant retiringSince, Instant deletableAfter, boolean dryRun) {
    }

    /**
     * The shortest grace period {@code keys retire} accepts: a writer that loaded the keyset while the
     * key was still primary may write under it until its write lease ends, and the servers' clocks may
     * disagree by a little; twice the lease covers both.
     */
    public static final Duration MIN_RETIRE_GRACE = DataKeys.WRITE_LEASE.multipliedBy(2);

    public KeyRotation(Keyring keyring, CredentialVault vault, Supplier<AdminLock> lock) {
        this(keyring, vault, lock, vault.events());
    }

    /** @param events where each job records itself before it changes anything (the vault's log, unless a test says otherwise) */
    public KeyRotation(Keyring keyring, CredentialVault vault, Supplier<AdminLock> lock, EventLog events) {
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
            if (!(master instanceof KeysetFileMasterKey file)) {
                throw IntegException.humanAction("the master key " + master.describe() + " does not exist", null,
                        "create it in your KMS first");
            }
            // another `keys init` or a first command may create it at the same moment: then that key is the one
            createMaster = file.createIfMissing();
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
            String status = k.retiringSince() != null && "enabled".equals(k.status()) ? "retiring" : k.status();
            list.add(new KeyUse(k.hexId(), status, k.primary(), k.created(), k.retiringSince(), uses.getOrDefault(k.id(), 0L)));
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

    /** As {@link #rewrap(boolean, Progress, Consumer)}; damaged records are only counted (and recorded as events). */
    public RewrapResult rewrap(boolean dryRun, Progress progress) {
        return rewrap(dryRun, progress, damaged -> { });
    }

    /**
     * Re-encrypts every record that is not under the primary key. Idempotent and resumable: a record
     * already under the primary key is skipped, and each write is a compare-and-set on the record's
     * rev, so a refresh that lands meanwhile is never overwritten.
     *
     * @param damaged told of each record that does not verify as soon as its batch is decrypted (on this
     *                thread), so that every one is named while memory stays flat at any number; such a
     *                record is left as it is and recorded as an integrity failure event
     */
    public RewrapResult rewrap(boolean dryRun, Progress progress, Consumer<CredentialVault.Damaged> damaged) {
        try (AdminLock held = lock.get()) {
            DataKeys keys = keyring.load();
            int primary = keys.primaryId();
            if (!dryRun) {
                events.record(SecurityEvent.success("keys.rewrap", null, null, Map.of("primary", DataKeys.hex(primary))));
            }
            long total = progress == Progress.NONE ? -1 : countByKey().values().stream().mapToLong(Long::longValue).sum();
            long[] n = new long[5]; // scanned, rewrapped, current, raced, damaged
            Consumer<CredentialVault.RewrapBatch> count = done -> {
                n[0] += done.scanned();
                n[1] += done.rewrapped();
                n[2] += done.alreadyCurrent();
                n[3] += done.raced();
                n[4] += done.damaged().size();
                held.extend();
                progress.update(n[0], total);
            };
            // writes go out on their own thread while the next batch is decrypted: the compare-and-set
            // scripts cost Redis CPU that would otherwise add to the client's
            try (WriteBehind<CredentialVault.RewrapBatch> writer = new WriteBehind<>(2)) {
                vault.scanRecords(batch -> {
                    CredentialVault.RewrapPlan plan = vault.planRewrap(batch);
                    for (CredentialVault.Damaged d : plan.damaged()) {
                        vault.recordDamage(d);
                        damaged.accept(d);
                    }
                    if (dryRun) {
                        count.accept(plan.unapplied());
                    } else {
                        writer.submit(() -> vault.apply(plan)).forEach(count);
                    }
                });
                writer.finish().forEach(count);
            }
            return new RewrapResult(DataKeys.hex(primary), n[0], n[1], n[2], n[3], n[4], dryRun);
        }
    }

    /**
     * Retires a key in two steps, so that a writer that loaded the keyset before the key stopped being
     * primary can never strand a record: the first call marks the key retiring (it still decrypts;
     * nothing new is sealed with it, as it is not primary); a call after {@code grace} counts again and
     * deletes the key only if no record uses it. By then every such writer's write lease
     * ({@link DataKeys#WRITE_LEASE}) has ended, so a count that starts after the grace sees every record
     * that will ever be under the key. Until it is deleted, {@link #cancelRetire} takes the mark back.
     */
    public RetireResult retire(int keyId, Duration grace, boolean dryRun) {
        if (grace.compareTo(MIN_RETIRE_GRACE) < 0) {
            throw IntegException.usage("a retire grace of " + Durations.format(grace) + " is too short",
                    "writers that loaded the keyset earlier may write under the key for up to " + Durations.format(DataKeys.WRITE_LEASE),
                    "give at least " + Durations.format(MIN_RETIRE_GRACE));
        }
        try (AdminLock held = lock.get()) {
            DataKeys keys = keyring.load();
            DataKeys.KeyInfo key = retirable(keys, keyId);
            Instant now = Instant.ofEpochMilli(keys.confirmedAtMillis());
            Instant since = key.retiringSince();
            if (since == null) {
                requireUnused(key, "run 'integ keys rewrap' first");
                if (!dryRun) {
                    events.record(SecurityEvent.success("keys.retire", null, null, Map.of("key", key.hexId(), "step", "mark")));
                    Map<Integer, Instant> retiring = new HashMap<>(keys.retiring());
                    retiring.put(keyId, now);
                    replaceKeyset(keys, keys.handle(), retiring);
                }
                return new RetireResult(key.hexId(), RetireStep.MARKED, now, now.plus(grace), dryRun);
            }
            if (now.isBefore(since.plus(grace))) {
                return new RetireResult(key.hexId(), RetireStep.WAITING, since, since.plus(grace), dryRun);
            }
            // the grace is over: no writer can still add a record under the key, so this count is final
            requireUnused(key, "run 'integ keys rewrap', then retire it again");
            if (!dryRun) {
                events.record(SecurityEvent.success("keys.retire", null, null, Map.of("key", key.hexId(), "step", "delete")));
                deleteKey(keys, keyId);
            }
            return new RetireResult(key.hexId(), RetireStep.DELETED, since, null, dryRun);
        }
    }

    /** Takes back the retiring mark of a key that is not deleted yet. */
    public RetireResult cancelRetire(int keyId, boolean dryRun) {
        try (AdminLock held = lock.get()) {
            DataKeys keys = keyring.load();
            DataKeys.KeyInfo key = retirable(keys, keyId);
            if (key.retiringSince() == null) {
                throw IntegException.usage("key " + key.hexId() + " is not retiring", null, "'integ keys status' shows which keys are");
            }
            if (!dryRun) {
                events.record(SecurityEvent.success("keys.retire", null, null, Map.of("key", key.hexId(), "step", "cancel")));
                Map<Integer, Instant> retiring = new HashMap<>(keys.retiring());
                retiring.remove(keyId);
                replaceKeyset(keys, keys.handle(), retiring);
            }
            return new RetireResult(key.hexId(), RetireStep.CANCELLED, key.retiringSince(), null, dryRun);
        }
    }

    private static DataKeys.KeyInfo retirable(DataKeys keys, int keyId) {
        DataKeys.KeyInfo key = keys.keys().stream().filter(k -> k.id() == keyId).findFirst()
                .orElseThrow(() -> IntegException.notFound("no key " + DataKeys.hex(keyId) + " in the keyset", null,
                        "'integ keys status' lists the keys"));
        if (key.primary()) {
            throw IntegException.usage("key " + key.hexId() + " is the primary key", "new records are encrypted under it",
                    "run 'integ keys rotate' first, then 'integ keys rewrap'");
        }
        return key;
    }

    private void requireUnused(DataKeys.KeyInfo key, String hint) {
        long using = countByKey().getOrDefault(key.id(), 0L);
        if (using > 0) {
            throw IntegException.failure("key " + key.hexId() + " still encrypts " + using + " record" + (using == 1 ? "" : "s"),
                    "retiring it would make them unreadable", hint, null);
        }
    }

    /** Stores the keyset with new retiring marks; a keyset that changed meanwhile is an error to retry. */
    private void replaceKeyset(DataKeys keys, KeysetHandle handle, Map<Integer, Instant> retiring) {
        keyring.replace(keys, handle, keys.lastRotation(), keyring.master(), retiring)
                .orElseThrow(() -> IntegException.retryLater("the keyset changed during 'keys retire'", null, "retry", null));
    }

    /** Deletes a key from the keyset (its retiring mark goes with it). */
    private void deleteKey(DataKeys keys, int keyId) {
        KeysetHandle.Builder builder = KeysetHandle.newBuilder(keys.handle());
        for (int i = 0; i < builder.size(); i++) {
            if (keys.handle().getAt(i).getId() == keyId) {
                builder.deleteAt(i);
                break;
            }
        }
        replaceKeyset(keys, build(builder), keys.retiring());
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
