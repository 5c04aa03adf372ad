package dev.integ.keys;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.integ.core.IntegException;
import dev.integ.core.SecretFiles;
import dev.integ.core.SmallFiles;
import dev.integ.store.PrivateFiles;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;

/** A master key kept as a cleartext Tink JSON keyset in a 0600 file. */
public final class KeysetFileMasterKey implements MasterKey {
    private final Path file;
    private final String namedBy;
    private final Runnable whenMissing;

    /** @param namedBy what configured this path, for error messages ("INTEG_MASTER_KEY_FILE", a config file...) */
    public KeysetFileMasterKey(Path file, String namedBy) {
        this(file, namedBy, () -> { });
    }

    /**
     * @param whenMissing run when the key is needed and the file does not exist, before that is an
     *                    error: the embedded store's first use creates it there (vault.FirstRunKeys)
     */
    public KeysetFileMasterKey(Path file, String namedBy, Runnable whenMissing) {
        Tink.aead();
        this.file = file;
        this.namedBy = namedBy;
        this.whenMissing = whenMissing;
    }

    public Path file() {
        return file;
    }

    /** Where an in-place rotation writes the new key before it replaces this one (a few file operations). */
    public KeysetFileMasterKey pending() {
        return sibling(".next");
    }

    /**
     * Where an in-place rotation keeps the key it replaced. While that file exists, whatever is still
     * sealed under it (a namespace the rotation did not reach, one on another Redis server) is moved
     * under this key by its next command; it is deleted only by the operator or by `keys rotate-master
     * --delete-previous` once the rotation is confirmed.
     */
    public KeysetFileMasterKey previous() {
        return sibling(".previous");
    }

    /** The key before the last in-place rotation, while it is kept. */
    public Optional<KeysetFileMasterKey> keptPrevious() {
        KeysetFileMasterKey previous = previous();
        return previous.exists() ? Optional.of(previous) : Optional.empty();
    }

    private KeysetFileMasterKey sibling(String suffix) {
        return new KeysetFileMasterKey(file.resolveSibling(file.getFileName() + suffix), namedBy);
    }

    /** Copies this key to FILE.previous (0600, whole or not at all), unless a previous key is kept already. */
    void keepAsPrevious() {
        Path previous = previous().file;
        try {
            PrivateFiles.createNew(previous, Files.readString(file));
        } catch (FileAlreadyExistsException kept) {
            // an earlier step of this rotation (or a concurrent process finishing it) kept it first
        } catch (IOException e) {
            throw IntegException.failure("cannot keep the master key " + file + " as " + previous, e.getMessage(),
                    "nothing was changed; make its directory writable and run again", e);
        }
    }

    /** Makes the pending key this file (atomically), keeping the current one as FILE.previous first. */
    void promote(KeysetFileMasterKey pending) {
        try {
            pending.aead(); // a whole, private key: never put anything unreadable in this file's place
        } catch (IntegException unreadable) {
            if (!pending.exists()) {
                return; // another process finishing the same rotation moved it first
            }
            throw unreadable;
        }
        keepAsPrevious();
        try {
            Files.move(pending.file, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException promotedMeanwhile) {
            // another process finishing the same rotation moved it first
        } catch (IOException e) {
            throw IntegException.humanAction("cannot move the new master key " + pending.file + " to " + file, e.getMessage(),
                    "move it by hand: " + previous().file + " keeps the old key");
        }
    }

    /** Finishes an in-place rotation stopped after FILE.next was written but before it replaced this file. */
    void finishPendingRotation() {
        KeysetFileMasterKey pending = pending();
        if (pending.exists()) {
            promote(pending);
        }
    }

    /**
     * {@code sealed} does not open with this key: if an in-place rotation of this file is pending
     * (FILE.next) or in its grace period (FILE.previous kept), finish that rotation for it, so that it
     * opens with this key.
     *
     * @return whether it is now sealed under this key (false: it is under some other key, or gone)
     */
    public boolean finishRotationOf(MasterKeyed sealed) {
        finishPendingRotation();
        for (int attempt = 0; attempt < 3; attempt++) {
            List<MasterKey> keys = keptPrevious().<List<MasterKey>>map(previous -> List.of(this, previous)).orElse(List.of(this));
            MasterKeyed.Seal seal = sealed.sealedUnder(keys);
            if (seal.under() == null) {
                return false;
            }
            if (seal.under() == this || sealed.reseal(seal.under(), this)) {
                return true;
            }
            // it changed meanwhile (another process moved it, or rewrote it): look again
        }
        return false;
    }

    /** Ends the grace period of the last in-place rotation. */
    void deletePrevious() {
        Path previous = previous().file;
        try {
            Files.deleteIfExists(previous);
        } catch (IOException e) {
            throw IntegException.failure("cannot delete the previous master key " + previous, e.getMessage(), "delete it by hand", e);
        }
    }

    @Override
    public String describe() {
        return "file " + file + ("default".equals(namedBy) ? "" : " (from " + namedBy + ")");
    }

    @Override
    public boolean exists() {
        return Files.exists(file);
    }

    @Override
    public void create() {
        if (!createIfMissing()) {
            throw IntegException.usage("the master key file " + file + " already exists", "integ never overwrites a key", null);
        }
    }

    /**
     * Creates the key file unless it exists, atomically: of several processes creating it at once,
     * exactly one writes it and every other one uses that key.
     *
     * @return whether this call created it
     */
    public boolean createIfMissing() {
        if (Files.exists(file)) {
            return false;
        }
        try {
            KeysetHandle kek = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
            String json = TinkJsonProtoKeysetFormat.serializeKeyset(kek, InsecureSecretKeyAccess.get());
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                PrivateFiles.createDirectory(parent);
            }
            PrivateFiles.createNew(file, json);
            return true;
        } catch (FileAlreadyExistsException anotherProcessWon) {
            return false;
        } catch (IOException | GeneralSecurityException e) {
            throw IntegException.failure("cannot create the master key file " + file, e.getMessage(), null, e);
        }
    }

    @Override
    public Aead aead() {
        if (!Files.exists(file)) {
            whenMissing.run();
        }
        if (!Files.exists(file)) {
            throw IntegException.humanAction("no master key at " + file + " (from " + namedBy + ")",
                    "the data keyset cannot be decrypted without it",
                    "restore the file, point INTEG_MASTER_KEY_FILE or vault.master-key-file at it, or run 'integ keys init' on a new store");
        }
        try {
            SecretFiles.requirePrivate(file, "master key file");
            KeysetHandle kek = TinkJsonProtoKeysetFormat.parseKeyset(SmallFiles.read(file, SecretFiles.MAX_BYTES, "master key file"),
                    InsecureSecretKeyAccess.get());
            return kek.getPrimitive(Tink.configuration(), Aead.class);
        } catch (IOException | GeneralSecurityException e) {
            throw IntegException.humanAction("cannot read the master key file " + file + " (from " + namedBy + ")",
                    "it is not a Tink AEAD keyset (" + e.getClass().getSimpleName() + ")", "restore the right file");
        }
    }
}
