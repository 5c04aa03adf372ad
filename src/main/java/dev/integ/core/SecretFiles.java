package dev.integ.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

/**
 * The one rule for every file that holds a secret (the master key, a client secret, the Redis
 * password): it must be private to its owner, or integ refuses it (exit 5: a person must fix the
 * permissions) before reading a byte, since whoever else could read it may have already.
 */
public final class SecretFiles {
    /** The largest secret file read: a password, a client secret, a Tink keyset are a few hundred bytes. */
    public static final int MAX_BYTES = 64 << 10;

    private SecretFiles() {
    }

    /** Whether anyone but its owner has any access to the file. */
    public static boolean openToOthers(Path file) throws IOException {
        return Files.getPosixFilePermissions(file).stream().anyMatch(SecretFiles::notOwners);
    }

    /**
     * @param what how messages name the file: "master key file", "Redis password file"
     * @throws IntegException exit 5 when group or others have any access to it
     * @throws IOException    when its permissions cannot be read (missing file, no access)
     */
    public static void requirePrivate(Path file, String what) throws IOException {
        if (openToOthers(file)) {
            throw IntegException.humanAction("the " + what + " " + file + " is readable by others", "it must be private to its owner",
                    "run: chmod 600 " + file);
        }
    }

    /**
     * The secret in {@code file}, stripped of surrounding white space, once the file is known to be
     * private; an empty or oversized file is a usage error.
     *
     * @param from what named the file ("--redis-password-file", "SLACK_CLIENT_SECRET_FILE"), for messages
     */
    public static String read(Path file, String what, String from) throws IOException {
        requirePrivate(file, what);
        String secret = SmallFiles.read(file, MAX_BYTES, what).strip();
        if (secret.isEmpty()) {
            throw IntegException.usage("the " + what + " " + file + " is empty", "from " + from, null);
        }
        return secret;
    }

    private static boolean notOwners(PosixFilePermission p) {
        return p.name().startsWith("GROUP") || p.name().startsWith("OTHERS");
    }
}
