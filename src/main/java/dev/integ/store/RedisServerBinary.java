package dev.integ.store;

import dev.integ.core.IntegException;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the server the embedded store runs: the one named by INTEG_REDIS_SERVER, else
 * {@code redis-server} on PATH, else {@code valkey-server} on PATH.
 *
 * <p>integ bundles none. Until 0.1 it carried Redis 6.2 from com.github.codemonstur:embedded-redis,
 * which is past its end of life; no artifact on Maven Central carries a maintained Redis (7.2+) or
 * Valkey build from a known origin (checked 2026-12: codemonstur 1.4.4 still has 6.2.6/6.2.7,
 * org.signal:embedded-redis 0.9.1 has 7.0.15, itself end of life), and a server that never gets
 * security fixes is worse than a clear request to install the distribution's.
 */
public final class RedisServerBinary {
    /** What INTEG_REDIS_SERVER used to accept for the bundled binary; now refused with a hint. */
    public static final String BUNDLED = "bundled";

    /** Searched on PATH in this order: Redis first (what integ is tested with), then its fork Valkey. */
    static final List<String> NAMES = List.of("redis-server", "valkey-server");

    static final String INSTALL_HINT = "install one (Debian/Ubuntu: apt install redis-server, or valkey-server; macOS: brew install redis), "
            + "or set --redis / INTEG_REDIS_URL to use a Redis server you run";

    private RedisServerBinary() {
    }

    /**
     * @param choice INTEG_REDIS_SERVER: a path, or empty to search PATH
     * @param path   the PATH variable
     */
    public static Path locate(Optional<String> choice, Optional<String> path) {
        if (choice.isPresent()) {
            if (choice.get().equals(BUNDLED)) {
                throw IntegException.usage("INTEG_REDIS_SERVER is 'bundled', but integ no longer bundles a redis-server",
                        "the one it carried was Redis 6.2, past its end of life", "unset INTEG_REDIS_SERVER and " + INSTALL_HINT);
            }
            Path explicit = Path.of(choice.get());
            if (!Files.isRegularFile(explicit) || !Files.isExecutable(explicit)) {
                throw IntegException.usage("INTEG_REDIS_SERVER names " + explicit, "that is not an executable file",
                        "point it at a redis-server or valkey-server binary, or unset it to search PATH");
            }
            return explicit;
        }
        return onPath(path.orElse("")).orElseThrow(() -> IntegException.humanAction(
                "the embedded store needs redis-server or valkey-server, and neither is on PATH", null, INSTALL_HINT));
    }

    static Optional<Path> onPath(String path) {
        for (String name : NAMES) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    public static String bundledResource() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String platform = (os.contains("mac") ? "darwin" : os.contains("linux") ? "linux" : os)
                + "-" + (arch.equals("x86_64") || arch.equals("amd64") ? "amd64" : arch.equals("aarch64") ? "arm64" : arch);
        String resource = BUNDLED_BY_PLATFORM.get(platform);
        if (resource == null) {
            throw IntegException.humanAction("no redis-server for the embedded store",
                    "none on PATH and integ bundles none for " + platform,
                    "install redis-server, or point --redis / INTEG_REDIS_URL at a Redis server");
        }
        return resource;
    }

    private static Path unpackBundled(Path dir) {
        String resource = bundledResource();
        Path target = dir.resolve(resource);
        if (Files.isExecutable(target)) {
            return target;
        }
        try (InputStream in = RedisServerBinary.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw IntegException.humanAction("no redis-server for the embedded store",
                        "none on PATH and the bundled " + resource + " is missing from the jar",
                        "install redis-server, or rebuild integ with 'mvn -B package'");
            }
            PrivateFiles.createDirectory(dir);
            Path partial = Files.createTempFile(dir, resource, ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                try (OutputStream out = Files.newOutputStream(partial)) {
                    in.transferTo(out);
                }
                Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwx------"));
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
            return target;
        } catch (IOException e) {
            throw IntegException.failure("cannot unpack the bundled redis-server into " + dir, e.getMessage(), null, e);
        }
    }
}
