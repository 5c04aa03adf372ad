package dev.integ.keys;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The decrypted data keyset: the AES256-GCM keys that encrypt credential records, with the
 * version it was stored under (for compare-and-set), when each key was created, which keys are
 * retiring, and when the store last confirmed that this version is current.
 * <p>
 * A writer may seal records with these keys only for {@link #WRITE_LEASE} after that confirmation:
 * every credential write carries {@link #writableUntilMillis()} and the store refuses it past that
 * time (by Redis' clock). That bounds how late a record can appear under a key that stopped being
 * primary, which is what lets {@code keys retire} delete a key safely after its grace period.
 */
public final class DataKeys {
    /** How long after the store confirmed the keyset a writer may still seal with it. */
    public static final Duration WRITE_LEASE = Duration.ofSeconds(60);

    private final KeysetHandle handle;
    private final long version;
    private final Map<Integer, Instant> created;
    private final Map<Integer, Instant> retiring;
    private final Instant lastRotation;
    private final long confirmedAtMillis;
    /** Key ids, looked up for every record read (a reader meeting an unknown id looks at the keyset again). */
    private final Set<Integer> ids;
    private volatile Aead aead;

    /** One key of the keyset, as `keys status` shows it; {@code retiringSince} is null unless it is being retired. */
    public record KeyInfo(int id, String status, boolean primary, Instant created, Instant retiringSince) {
        public String hexId() {
            return DataKeys.hex(id);
        }
    }

    /** @param confirmedAtMillis Redis' time (epoch ms) when this version was read or confirmed current */
    DataKeys(KeysetHandle handle, long version, Map<Integer, Instant> created, Map<Integer, Instant> retiring, Instant lastRotation,
             long confirmedAtMillis) {
        this.handle = handle;
        this.version = version;
        this.created = Map.copyOf(created);
        this.retiring = Map.copyOf(retiring);
        this.lastRotation = lastRotation;
        this.confirmedAtMillis = confirmedAtMillis;
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < handle.size(); i++) {
            ids.add(handle.getAt(i).getId());
        }
        this.ids = Set.copyOf(ids);
    }

    /** The same keys, confirmed current again at {@code serverMillis} (the primitive is shared, not rebuilt). */
    DataKeys confirmedAt(long serverMillis) {
        DataKeys renewed = new DataKeys(handle, version, created, retiring, lastRotation, serverMillis);
        renewed.aead = aead;
        return renewed;
    }

    /** Redis' time (epoch ms) when this version was read or last confirmed current. */
    public long confirmedAtMillis() {
        return confirmedAtMillis;
    }

    /** Redis' time (epoch ms) after which the store refuses records sealed with these keys. */
    public long writableUntilMillis() {
        return confirmedAtMillis + WRITE_LEASE.toMillis();
    }

    public Map<Integer, Instant> retiring() {
        return retiring;
    }

    /** The Tink keyset itself, for the jobs that change it (vault.KeyRotation); Tink still guards its key material. */
    public KeysetHandle handle() {
        return handle;
    }

    public long version() {
        return version;
    }

    public Map<Integer, Instant> created() {
        return created;
    }

    public Instant lastRotation() {
        return lastRotation;
    }

    /** Encrypts with the primary key; decrypts with whichever enabled key the ciphertext names. */
    public Aead aead() {
        if (aead == null) {
            try {
                aead = handle.getPrimitive(Tink.configuration(), Aead.class);
            } catch (GeneralSecurityException e) {
                throw IntegException.humanAction("the data keyset cannot be used", e.getMessage(), null);
            }
        }
        return aead;
    }

    /** Whether the keyset holds the key with this id. */
    public boolean has(int keyId) {
        return ids.contains(keyId);
    }

    public int primaryId() {
        return handle.getPrimary().getId();
    }

    public List<KeyInfo> keys() {
        List<KeyInfo> keys = new ArrayList<>();
        for (int i = 0; i < handle.size(); i++) {
            KeysetHandle.Entry entry = handle.getAt(i);
            keys.add(new KeyInfo(entry.getId(), status(entry.getStatus()), entry.isPrimary(), created.get(entry.getId()),
                    retiring.get(entry.getId())));
        }
        return keys;
    }

    /**
     * The id of the key that made a ciphertext: Tink prefixes every ciphertext with a version byte
     * (1) and the key id (4 bytes, big-endian). -1 when there is no such prefix.
     */
    public static int keyIdOf(byte[] ciphertext) {
        if (ciphertext == null || ciphertext.length < 5 || ciphertext[0] != 1) {
            return -1;
        }
        return ((ciphertext[1] & 0xff) << 24) | ((ciphertext[2] & 0xff) << 16) | ((ciphertext[3] & 0xff) << 8) | (ciphertext[4] & 0xff);
    }

    public static String hex(int id) {
        return String.format("%08x", id);
    }

    /** Parses a key id as `keys status` prints it (hex), or as a decimal. */
    public static int parseId(String text) {
        try {
            return text.matches("[0-9a-fA-F]{8}") ? (int) Long.parseLong(text, 16) : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw IntegException.usage("invalid key id '" + Echo.of(text) + "'", "expected the 8 hex digits 'integ keys status' shows", null);
        }
    }

    private static String status(KeyStatus status) {
        if (status == KeyStatus.ENABLED) {
            return "enabled";
        }
        return status == KeyStatus.DISABLED ? "disabled" : "destroyed";
    }
}
