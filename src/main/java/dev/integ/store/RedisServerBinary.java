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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a redis-server to run: the one named by INTEG_REDIS_SERVER, else the one on PATH, else the
 * binary bundled in integ's jar (from com.github.codemonstur:embedded-redis), unpacked once.
 */
public final class RedisServerBinary {
    /** Value of INTEG_REDIS_SERVER that skips PATH and uses the binary inside the jar. */
    public static final String BUNDLED = "bundled";

    private static final Map<String, String> BUNDLED_BY_PLATFORM = Map.of(
            "linux-amd64", "redis-server-6.2.6-v5-linux-amd64",
            "linux-arm64", "redis-server-6.2.7-linux-arm64",
            "darwin-amd64", "redis-server-6.2.6-v5-darwin-amd64",
            "darwin-arm64", "redis-server-6.2.6-v5-darwin-arm64");

    private RedisServerBinary() {
    }

    /**
     * @param choice  INTEG_REDIS_SERVER: a path, "bundled", or empty to search PATH first
     * @param path    the PATH variable
     * @param unpackTo directory the bundled binary is unpacked into
     */
    public static Path locate(Optional<String> choice, Optional<String> path, Path unpackTo) {
        if (choice.isPresent() && !choice.get().equals(BUNDLED)) {
            Path explicit = Path.of(choice.get());
            if (!Files.isExecutable(explicit)) {
                throw IntegException.usage("INTEG_REDIS_SERVER names " + explicit, "that is not an executable file",
                        "point it at a redis-server binary, set it to 'bundled', or unset it");
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
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
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
