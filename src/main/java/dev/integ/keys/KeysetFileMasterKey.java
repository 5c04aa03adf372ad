package dev.integ.keys;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.integ.core.IntegException;
import dev.integ.store.PrivateFiles;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.Set;

/** A master key kept as a cleartext Tink JSON keyset in a 0600 file. */
public final class KeysetFileMasterKey implements MasterKey {
    private final Path file;
    private final String namedBy;

    /** @param namedBy what configured this path, for error messages ("INTEG_MASTER_KEY_FILE", a config file...) */
    public KeysetFileMasterKey(Path file, String namedBy) {
        Tink.aead();
        this.file = file;
        this.namedBy = namedBy;
    }

    public Path file() {
        return file;
    }

    /** Where an in-place rotation keeps the next key until it has replaced this one. */
    public KeysetFileMasterKey pending() {
        return new KeysetFileMasterKey(file.resolveSibling(file.getFileName() + ".next"), namedBy);
    }

    /** Makes the pending key this file (atomically), ending an in-place rotation. */
    void promote(KeysetFileMasterKey pending) {
        try {
            java.nio.file.Files.move(pending.file, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw IntegException.humanAction("cannot move the new master key " + pending.file + " to " + file, e.getMessage(),
                    "move it by hand: the data keyset is already encrypted under it");
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
        try {
            KeysetHandle kek = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
            String json = TinkJsonProtoKeysetFormat.serializeKeyset(kek, InsecureSecretKeyAccess.get());
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                PrivateFiles.createDirectory(parent);
            }
            PrivateFiles.createNew(file, json);
        } catch (FileAlreadyExistsException e) {
            throw IntegException.usage("the master key file " + file + " already exists", "integ never overwrites a key", null);
        } catch (IOException | GeneralSecurityException e) {
            throw IntegException.failure("cannot create the master key file " + file, e.getMessage(), null, e);
        }
    }

    @Override
    public Aead aead() {
        if (!Files.exists(file)) {
            throw IntegException.humanAction("no master key at " + file + " (from " + namedBy + ")",
                    "the data keyset cannot be decrypted without it",
                    "restore the file, point INTEG_MASTER_KEY_FILE or vault.master-key-file at it, or run 'integ keys init' on a new store");
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw IntegException.humanAction("the master key file " + file + " is readable by others",
                        "it must be private to its owner", "run: chmod 600 " + file);
            }
            KeysetHandle kek = TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(file), InsecureSecretKeyAccess.get());
            return kek.getPrimitive(Tink.configuration(), Aead.class);
        } catch (IOException | GeneralSecurityException e) {
            throw IntegException.humanAction("cannot read the master key file " + file + " (from " + namedBy + ")",
                    "it is not a Tink AEAD keyset (" + e.getClass().getSimpleName() + ")", "restore the right file");
        }
    }
}
