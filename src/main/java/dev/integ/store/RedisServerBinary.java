package dev.integ.store;

import dev.integ.core.IntegException;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the server the embedded store runs: the one named by INTEG_REDIS_SERVER, else
 * {@code redis-server} on PATH, else {@code valkey-server} on PATH, else the fallback bundled in the jar.
 *
 * <p>The fallback exists so that integ (and its tests) work on a machine with only a JDK: it is Redis
 * 7.0.15 from org.signal:embedded-redis 0.9.1 (Signal's fork, built from the Redis sources in its
 * repository; Apache-2.0 wrapper, BSD-3 Redis). No artifact on Maven Central carries a maintained Redis
 * (7.2+) or Valkey build from a known origin (checked 2026-12: codemonstur 1.4.4 still has 6.2), so this
 * binary is past its end of life too: {@code doctor} says so whenever it runs, and README asks for the
 * distribution's redis-server or valkey-server in production.
 */
public final class RedisServerBinary {
    /** Value of INTEG_REDIS_SERVER that skips PATH and uses the binary inside the jar. */
    public static final String BUNDLED = "bundled";

    /** Searched on PATH in this order: Redis first (what integ is tested with), then its fork Valkey. */
    static final List<String> NAMES = List.of("redis-server", "valkey-server");

    private static final Map<String, String> BUNDLED_BY_PLATFORM = Map.of(
            "linux-amd64", "redis-server-7.0.15-linux-amd64",
            "linux-arm64", "redis-server-7.0.15-linux-arm64",
            "darwin-amd64", "redis-server-7.0.15-darwin-amd64",
            "darwin-arm64", "redis-server-7.0.15-darwin-arm64");

    static final String INSTALL_HINT = "install one (Debian/Ubuntu: apt install redis-server, or valkey-server; macOS: brew install redis), "
            + "or set --redis / INTEG_REDIS_URL to use a Redis server you run";

    private RedisServerBinary() {
    }

    /**
     * @param choice   INTEG_REDIS_SERVER: a path, "bundled", or empty to search PATH first
     * @param path     the PATH variable
     * @param unpackTo directory the bundled binary is unpacked into (0700)
     */
    public static Path locate(Optional<String> choice, Optional<String> path, Path unpackTo) {
        if (choice.isPresent() && !choice.get().equals(BUNDLED)) {
            Path explicit = Path.of(choice.get());
            if (!Files.isRegularFile(explicit) || !Files.isExecutable(explicit)) {
                throw IntegException.usage("INTEG_REDIS_SERVER names " + explicit, "that is not an executable file",
                        "point it at a redis-server or valkey-server binary, set it to 'bundled', or unset it to search PATH");
            }
            return explicit;
        }
        if (choice.isEmpty()) {
            Optional<Path> onPath = onPath(path.orElse(""));
            if (onPath.isPresent()) {
                return onPath.get();
            }
        }
        return unpackBundled(unpackTo);
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

    static String bundledResource() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String platform = (os.contains("mac") ? "darwin" : os.contains("linux") ? "linux" : os)
                + "-" + (arch.equals("x86_64") || arch.equals("amd64") ? "amd64" : arch.equals("aarch64") ? "arm64" : arch);
        String resource = BUNDLED_BY_PLATFORM.get(platform);
        if (resource == null) {
            throw IntegException.humanAction("the embedded store needs redis-server or valkey-server, and neither is on PATH",
                    "integ bundles no fallback for " + platform, INSTALL_HINT);
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
                throw IntegException.humanAction("the embedded store needs redis-server or valkey-server, and neither is on PATH",
                        "the fallback " + resource + " is missing from this build", INSTALL_HINT);
            }
            PrivateFiles.createDirectory(dir);
            Path partial = Files.createTempFile(dir, resource, ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                try (OutputStream out = Files.newOutputStream(partial)) {
                    in.transferTo(out);
                }
                // a concurrent first start may unpack too: each writes its own file and the rename is atomic
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
