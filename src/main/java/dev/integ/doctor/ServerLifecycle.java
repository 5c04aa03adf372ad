package dev.integ.doctor;

import java.util.Map;
import java.util.Optional;

/**
 * Which Redis and Valkey release series still get fixes, as data: a server older than its
 * product's oldest maintained series is past its end of life, and doctor says so.
 *
 * <p>Sources, read 2026-12-05. Redis: the "Supported Versions" table in redis/redis SECURITY.md lists
 * 7.2.x and newer; 7.0.x and older get no security fixes (no 7.0.x release carried the fix for
 * CVE-2025-49844, the Lua use-after-free of October 2025), and 6.2, the series integ used to
 * bundle, reached its end of life in February 2025. Valkey forked from Redis 7.2.4; no Valkey
 * series is past its end of life yet. Update the table when a series is retired.
 */
final class ServerLifecycle {
    /** Product (INFO's server_name, "redis" when absent) to its oldest maintained series. */
    private static final Map<String, Version> OLDEST_MAINTAINED = Map.of(
            "redis", new Version(7, 2),
            "valkey", new Version(7, 2));

    record Version(int major, int minor) implements Comparable<Version> {
        @Override
        public int compareTo(Version o) {
            return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }

        static Optional<Version> parse(String version) {
            String[] parts = version == null ? new String[0] : version.split("\\.");
            try {
                return parts.length < 2 ? Optional.empty()
                        : Optional.of(new Version(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
            } catch (NumberFormatException notANumber) {
                return Optional.empty();
            }
        }
    }

    /** What INFO server says the server is, e.g. "Redis 7.0.15" or "Valkey 8.0.1". */
    record Server(String product, String version) {
        static Optional<Server> from(Map<String, String> infoServer) {
            // Valkey reports redis_version 7.2.4 for compatibility, and its own in valkey_version
            String product = infoServer.getOrDefault("server_name", "redis");
            String version = infoServer.getOrDefault(product + "_version", infoServer.get("redis_version"));
            return version == null ? Optional.empty() : Optional.of(new Server(product, version));
        }

        String display() {
            return (product.equals("valkey") ? "Valkey" : product.equals("redis") ? "Redis" : product) + " " + version;
        }
    }

    private ServerLifecycle() {
    }

    /** The oldest maintained series when {@code server} is older than it; empty when maintained or unknown. */
    static Optional<Version> endOfLife(Server server) {
        Version oldest = OLDEST_MAINTAINED.get(server.product());
        return Version.parse(server.version()).filter(v -> oldest != null && v.compareTo(oldest) < 0).map(v -> oldest);
    }
}
