package dev.integ.vault;

import dev.integ.core.IntegException;
import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.keys.DataKeys;
import dev.integ.keys.KeysetLease;

import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The credential vault: stores credentials encrypted under the data keyset, bound to their place,
 * and reads them back only after the AEAD has verified them. A record that fails verification is
 * reported by name and never returned, repaired or deleted.
 */
public final class CredentialVault {
    static final int BATCH = 1000;

    /** How often a write refused for stale keys is sealed again with renewed ones before giving up. */
    private static final int STALE_KEY_ATTEMPTS = 3;

    private final CredentialStore store;
    private final KeysetLease keys;
    private final Clock clock;
    private final EventLog events;

    /** What reading one record gives: an {@link Opened} record, or a {@link Damaged} one. */
    public sealed interface ReadOutcome permits Opened, Damaged {
    }

    /** A verified record: its metadata, its secrets, and which data key encrypts it. */
    public record Opened(Credential credential, Secrets secrets, int keyId, long rev, String key) implements ReadOutcome {
    }

    /** A record that did not verify: tampered, truncated, moved from another key, or under an unknown key. */
    public record Damaged(String provider, String user, String key, String reason) implements ReadOutcome, DecryptOutcome {
        public String name() {
            return provider + "/" + user;
        }
    }

    /** Which records `list` shows; null fields do not filter. */
    public record Filter(String provider, String user, String status, Duration expiringWithin) {
        public static final Filter ALL = new Filter(null, null, null, null);

        boolean matches(Credential c, Instant now) {
            return (user == null || user.equals(c.user()))
                    && (status == null || status.equals(c.effectiveStatus(now)))
                    && (expiringWithin == null || (c.expiresAt() != null && c.expiresAt().isBefore(now.plus(expiringWithin))));
        }
    }

    public record ListSummary(long listed, long damaged) {
    }

    public CredentialVault(CredentialStore store, KeysetLease keys, Clock clock, EventLog events) {
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.events = events;
    }

    public EventLog events() {
        return events;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * Stores a credential.
     *
     * @param expectedRev the rev read before (0: the credential must not exist yet)
     * @return false when another writer got there first; nothing was written
     */
    public boolean save(Credential credential, Secrets secrets, long expectedRev) {
        return saveAll(List.of(new Save(credential, secrets, expectedRev))).get(0);
    }

    /** Loads the data keys now, so a job can fail for want of them before it records or writes anything. */
    public void requireKeys() {
        keys.get();
    }

    /** A credential to store over the rev read before (0: it must not exist yet). */
    public record Save(Credential credential, Secrets secrets, long expectedRev) {
    }

    /**
     * Stores a batch in one pipelined round trip. A write the store refused because its keys' write
     * lease ran out (this process stalled) is sealed again with renewed keys, so nothing is ever
     * written under a key that may be retiring.
     *
     * @return per save, whether it was applied (false: another writer got there first; nothing written)
     */
    public List<Boolean> saveAll(List<Save> saves) {
        Boolean[] applied = new Boolean[saves.size()];
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < saves.size(); i++) {
            pending.add(i);
        }
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            if (attempt > STALE_KEY_ATTEMPTS) {
                throw IntegException.retryLater("the data keyset kept changing while writing", pending.size() + " credential"
                        + (pending.size() == 1 ? " was" : "s were") + " not written", "run the command again", null);
            }
            if (attempt > 1) {
                keys.renew();
            }
            DataKeys sealing = keys.get();
            List<CredentialStore.Outcome> outcomes = store.compareAndSetAll(pending.stream()
                    .map(i -> seal(saves.get(i), sealing)).toList());
            List<Integer> stale = new ArrayList<>();
            for (int j = 0; j < outcomes.size(); j++) {
                if (outcomes.get(j) == CredentialStore.Outcome.STALE_KEYS) {
                    stale.add(pending.get(j));
                } else {
                    applied[pending.get(j)] = outcomes.get(j) == CredentialStore.Outcome.APPLIED;
                }
            }
            pending = stale;
        }
        return List.of(applied);
    }

    /** The write that stores a credential: encrypted under the primary key of {@code sealing}, bound to its place. */
    private CredentialStore.Write seal(Save save, DataKeys sealing) {
        Credential credential = save.credential();
        String key = store.keys().credential(credential.provider(), credential.user());
        byte[] metadata = RecordCodec.metadata(credential);
        byte[] ad = RecordCodec.associatedData(store.keys().namespace(), credential.provider(), credential.user(), metadata);
        try {
            byte[] ciphertext = sealing.aead().encrypt(RecordCodec.secrets(save.secrets()), ad);
            return new CredentialStore.Write(key, save.expectedRev(), RecordCodec.record(metadata, ciphertext), credential.retainUntil(),
                    false, sealing.writableUntilMillis());
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot encrypt " + credential.provider() + "/" + credential.user(), e.getMessage(), null, e);
        }
    }

    /** What every command says when {@code provider/user} is not stored. */
    public static IntegException notStored(String provider, String user) {
        return IntegException.notFound("no " + provider + " credential for " + user, null,
                "'integ list --user " + user + "' shows what is stored; 'integ connect " + provider + " --user " + user + "' adds it");
    }

    /**
     * The user of the one credential stored for {@code provider}, for a command whose --user may be left
     * out; refused when there is none or several, so a call never goes out under a guessed account.
     */
    public String soleUser(String provider) {
        Set<String> users = new TreeSet<>();
        store.scan(provider, BATCH, batch -> batch.forEach(s -> users.add(s.user())));
        if (users.isEmpty()) {
            throw IntegException.notFound("no " + provider + " credential is stored", null,
                    "'integ connect " + provider + " --user USER' adds one");
        }
        if (users.size() > 1) {
            throw IntegException.usage("--user is needed: " + users.size() + " " + provider + " credentials are stored", null,
                    "name one with --user ('integ list --provider " + provider + "' shows them)");
        }
        return users.iterator().next();
    }

    /** Reads and verifies one credential; empty when there is none. */
    public Optional<Opened> read(String provider, String user) {
        Optional<CredentialStore.Stored> stored = store.get(provider, user);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        ReadOutcome result = open(stored.get());
        if (result instanceof Opened opened) {
            return Optional.of(opened);
        }
        Damaged damaged = (Damaged) result;
        recordDamage(damaged);
        throw integrityFailure(damaged);
    }

    /**
     * Streams every matching credential to {@code rows} and every damaged record to {@code damaged},
     * one SCAN batch at a time.
     */
    public ListSummary list(Filter filter, Consumer<Credential> rows, Consumer<Damaged> reportDamaged) {
        Consumer<Damaged> damaged = d -> {
            recordDamage(d);
            reportDamaged.accept(d);
        };
        Instant now = clock.instant();
        long[] counts = new long[2];
        if (filter.provider() != null && filter.user() != null) {
            store.get(filter.provider(), filter.user()).ifPresent(s -> deliver(open(s, false), filter, now, rows, damaged, counts));
        } else {
            store.scan(filter.provider(), BATCH, batch -> batch.forEach(s -> deliver(open(s, false), filter, now, rows, damaged, counts)));
        }
        return new ListSummary(counts[0], counts[1]);
    }

    /**
     * Every stored credential's metadata, read without the keys and unverified (a damaged record is
     * skipped): for looking at dates only, as doctor and `events check` do.
     */
    public static void scanMetadata(CredentialStore store, Consumer<Credential> credentials) {
        store.scan(null, BATCH, batch -> batch.forEach(s -> {
            try {
                credentials.accept(RecordCodec.credential(RecordCodec.split(s.data()).metadata()));
            } catch (RuntimeException damaged) {
                // list, show and the bulk commands report it; a date check is no integrity check
            }
        }));
    }

    /** Every stored record, unverified, one SCAN batch at a time: for key rotation. */
    public void scanRecords(Consumer<List<CredentialStore.Stored>> batches) {
        store.scan(null, BATCH, batches);
    }

    /** The data key a stored record is encrypted under, read from its ciphertext prefix; -1 if unreadable. */
    public static int keyIdOfRecord(CredentialStore.Stored stored) {
        try {
            return DataKeys.keyIdOf(RecordCodec.split(stored.data()).ciphertext());
        } catch (IllegalArgumentException damaged) {
            return -1;
        }
    }

    /**
     * Deletes a credential; the event is written first, so nothing is deleted unrecorded.
     *
     * @param confirm asked once the credential is known to exist, before anything happens; throws to stop
     * @throws IntegException not found when there is no such credential
     */
    public void forget(String provider, String user, Runnable confirm) {
        if (store.get(provider, user).isEmpty()) {
            throw notStored(provider, user);
        }
        confirm.run();
        if (!remove(provider, user, SecurityEvent.success("forget", provider, user, Map.of()))) {
            throw notStored(provider, user);
        }
    }

    /** Deletes a credential after recording {@code event} (fail closed); false when there was none. */
    public boolean remove(String provider, String user, SecurityEvent event) {
        if (store.get(provider, user).isEmpty()) {
            return false;
        }
        events.record(event);
        return store.delete(provider, user);
    }

    /**
     * Reads fail open: a damaged record is reported to the caller whether or not its event could be
     * written (the caller already prints it on stderr).
     */
    public void recordDamage(Damaged d) {
        events.recordQuietly(SecurityEvent.failure("integrity.failure", d.provider(), d.user(), Map.of("key", d.key(), "reason", d.reason())),
                notRecorded -> { });
    }

    public CredentialStore store() {
        return store;
    }

    ReadOutcome open(CredentialStore.Stored stored) {
        return open(stored, true);
    }

    /**
     * Verifies a record by decrypting it.
     *
     * @param withSecrets decode the secrets too; listing only needs the verification
     * @return an {@link Opened} (secrets null unless asked for) or a {@link Damaged}
     */
    private ReadOutcome open(CredentialStore.Stored stored, boolean withSecrets) {
        DecryptOutcome decrypted = decrypt(stored, true);
        if (decrypted instanceof Damaged damaged) {
            return damaged;
        }
        Decrypted d = (Decrypted) decrypted;
        try {
            Secrets secrets = withSecrets ? RecordCodec.secrets(d.plaintext()) : null;
            Arrays.fill(d.plaintext(), (byte) 0);
            return new Opened(d.credential(), secrets, d.keyId(), stored.rev(), stored.key());
        } catch (IllegalArgumentException e) {
            return new Damaged(stored.provider(), stored.user(), stored.key(), e.getMessage());
        }
    }

    /** What decrypting one record gives: a {@link Decrypted} record, or a {@link Damaged} one. */
    private sealed interface DecryptOutcome permits Decrypted, Damaged {
    }

    /** A verified record before its secrets are decoded. */
    private record Decrypted(Credential credential, byte[] metadata, byte[] plaintext, int keyId) implements DecryptOutcome {
    }

    /**
     * @param decodeMetadata parse the metadata into a {@link Credential}; rewrap keeps the bytes as they
     *                       are and needs no parsing (altered metadata fails decryption all the same)
     * @return a {@link Decrypted} (credential null unless decoded) or a {@link Damaged}
     */
    private DecryptOutcome decrypt(CredentialStore.Stored stored, boolean decodeMetadata) {
        if (stored.data() == null || stored.rev() < 0) {
            return new Damaged(stored.provider(), stored.user(), stored.key(), "the record is incomplete (rev or data missing)");
        }
        RecordCodec.Parts parts;
        Credential credential;
        try {
            parts = RecordCodec.split(stored.data());
            credential = decodeMetadata ? RecordCodec.credential(parts.metadata()) : null;
        } catch (IllegalArgumentException e) {
            return new Damaged(stored.provider(), stored.user(), stored.key(), e.getMessage());
        }
        byte[] ad = RecordCodec.associatedData(store.keys().namespace(), stored.provider(), stored.user(), parts.metadata());
        int keyId = DataKeys.keyIdOf(parts.ciphertext());
        // a key added since this process loaded the keyset (a rotation, then a rewrap): look again before crying wolf
        DataKeys opening = keys.holding(keyId);
        try {
            return new Decrypted(credential, parts.metadata(), opening.aead().decrypt(parts.ciphertext(), ad), keyId);
        } catch (GeneralSecurityException e) {
            return new Damaged(stored.provider(), stored.user(), stored.key(), opening.has(keyId)
                    ? "it does not verify: altered, or moved here from another provider, user or namespace"
                    : "it is encrypted under key " + DataKeys.hex(keyId) + ", which the keyset does not have");
        }
    }

    /** What one batch of a rewrap did. */
    public record RewrapBatch(int scanned, int rewrapped, int alreadyCurrent, int raced, List<Damaged> damaged) {
    }

    /**
     * Re-encrypts, under the primary key, the records of one batch that are not under it yet: the
     * plaintext and metadata are kept byte for byte, and each write is a compare-and-set on the rev
     * read, so a concurrent update wins.
     */
    public RewrapBatch rewrap(List<CredentialStore.Stored> batch, boolean dryRun) {
        RewrapPlan plan = planRewrap(batch);
        return dryRun ? plan.unapplied() : apply(plan);
    }

    /** The writes that would rewrap a batch, computed but not made. */
    public record RewrapPlan(int scanned, List<CredentialStore.Write> writes, int alreadyCurrent, List<Damaged> damaged) {
        /** What the plan would do, as a dry run reports it. */
        public RewrapBatch unapplied() {
            return new RewrapBatch(scanned, writes.size(), alreadyCurrent, 0, damaged);
        }
    }

    /** Decrypts a batch and re-encrypts what is not under the primary key (CPU only; no write). */
    public RewrapPlan planRewrap(List<CredentialStore.Stored> batch) {
        DataKeys sealing = keys.get();
        int primary = sealing.primaryId();
        List<CredentialStore.Write> writes = new ArrayList<>();
        List<Damaged> damaged = new ArrayList<>();
        int current = 0;
        for (CredentialStore.Stored stored : batch) {
            DecryptOutcome decrypted = decrypt(stored, false);
            if (decrypted instanceof Damaged d) {
                damaged.add(d);
                continue;
            }
            Decrypted d = (Decrypted) decrypted;
            if (d.keyId() == primary) {
                current++;
            } else {
                byte[] ad = RecordCodec.associatedData(store.keys().namespace(), stored.provider(), stored.user(), d.metadata());
                try {
                    byte[] ciphertext = sealing.aead().encrypt(d.plaintext(), ad);
                    writes.add(new CredentialStore.Write(stored.key(), stored.rev(), RecordCodec.record(d.metadata(), ciphertext),
                            null, true, sealing.writableUntilMillis()));
                } catch (GeneralSecurityException e) {
                    throw IntegException.failure("cannot encrypt " + stored.key(), e.getMessage(), null, e);
                }
            }
            Arrays.fill(d.plaintext(), (byte) 0);
        }
        return new RewrapPlan(batch.size(), writes, current, damaged);
    }

    /**
     * Makes a plan's writes; one that lost its compare-and-set, or was refused because this process
     * stalled past its keys' write lease, counts as raced (the record is untouched and still readable;
     * the next run rewraps it). Safe on another thread.
     */
    public RewrapBatch apply(RewrapPlan plan) {
        int rewrapped = 0;
        int raced = 0;
        for (CredentialStore.Outcome outcome : store.compareAndSetAll(plan.writes())) {
            if (outcome == CredentialStore.Outcome.APPLIED) {
                rewrapped++;
            } else {
                raced++;
            }
        }
        return new RewrapBatch(plan.scanned(), rewrapped, plan.alreadyCurrent(), raced, plan.damaged());
    }

    static IntegException integrityFailure(Damaged damaged) {
        return IntegException.humanAction("integrity failure: credential " + damaged.name() + " (" + damaged.key() + ")",
                damaged.reason(), "nothing was changed; restore the record from a backup or connect the account again");
    }

    private static void deliver(ReadOutcome opened, Filter filter, Instant now, Consumer<Credential> rows, Consumer<Damaged> damaged,
                                long[] counts) {
        if (opened instanceof Damaged d) {
            if (filter.user() == null || filter.user().equals(d.user())) {
                counts[1]++;
                damaged.accept(d);
            }
            return;
        }
        Credential credential = ((Opened) opened).credential();
        if (filter.matches(credential, now)) {
            counts[0]++;
            rows.accept(credential);
        }
    }
}
