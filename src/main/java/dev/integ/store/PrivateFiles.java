package dev.integ.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Files only the owner may read: directories 0700, files 0600, written atomically. */
public final class PrivateFiles {
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /**
     * Creates the directory as 0700 and tightens it if it already exists. Missing parents get the
     * usual permissions: they are the user's ($XDG_DATA_HOME), not integ's.
     */
    public static void createDirectory(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectory(dir, attribute(DIRECTORY));
            } catch (FileAlreadyExistsException raced) {
                // another integ process created it first
            }
        }
        if (!Files.getPosixFilePermissions(dir).equals(DIRECTORY)) {
            Files.setPosixFilePermissions(dir, DIRECTORY);
        }
    }

    /** Creates an empty 0600 file unless it exists; an existing one is made 0600. */
    public static void touch(Path file) throws IOException {
        try {
            Files.createFile(file, attribute(FILE));
        } catch (FileAlreadyExistsException exists) {
            Files.setPosixFilePermissions(file, FILE);
        }
    }

    /** Writes a new 0600 file, whole or not at all; fails if it exists (keys are never overwritten). */
    public static void createNew(Path file, String content) throws IOException {
        Path partial = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".partial", attribute(FILE));
        try {
            Files.writeString(partial, content);
            // a hard link is an atomic create-if-absent: a concurrent creator cannot be overwritten
            Files.createLink(file, partial);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Writes the whole file or nothing: a crash never leaves half a file behind. */
    public static void write(Path file, String content) throws IOException {
        Path partial = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".partial", attribute(FILE));
        try {
            Files.writeString(partial, content);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }
}
