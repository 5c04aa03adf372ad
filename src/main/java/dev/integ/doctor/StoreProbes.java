package dev.integ.doctor;

import dev.integ.core.IntegException;
import dev.integ.store.RedisErrors;
import dev.integ.store.RedisInfo;
import dev.integ.store.RedisStore;
import dev.integ.store.StoreConnector;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/** The store-side probes behind `integ doctor`. */
public final class StoreProbes {
    private static final int PINGS = 5;

    private final RedisStore store;
    private final UnifiedJedis redis;

    public StoreProbes(RedisStore store) {
        this.store = store;
        this.redis = store.redis();
    }

    /** Reachable: server version and the median of a few round trips. */
    public Check reachability() {
        try {
            long[] nanos = new long[PINGS];
            String probe = store.keys().doctorProbe();
            for (int i = 0; i < PINGS; i++) {
                long start = System.nanoTime();
                redis.exists(probe);
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            String version = info("server").getOrDefault("redis_version", "version unknown");
            return Check.ok("store", "Redis " + version + ", round trip " + String.format(Locale.ROOT, "%.2f ms", nanos[PINGS / 2] / 1e6)
                    + " (median of " + PINGS + ")");
        } catch (JedisException e) {
            var failure = StoreConnector.translate(e, store.description());
            return Check.fail("store", failure.getMessage(), failure.hint());
        }
    }

    /**
     * Maintained: a server past its end of life gets no security fixes (Lua sandbox escapes among
     * them), and it holds every credential. Empty when the server does not say (a Cluster, INFO denied).
     */
    public Optional<Check> maintenance() {
        return ServerLifecycle.Server.from(info("server")).map(server -> ServerLifecycle.endOfLife(server)
                .map(oldest -> Check.warn("version", server.display() + " is past its end of life: its series gets no security fixes",
                        "run " + oldest + " or newer (" + (server.product().equals("redis") ? "Redis or Valkey" : "Valkey")
                                + "); a distribution's package may carry backported fixes of its own"))
                .orElseGet(() -> Check.ok("version", server.display() + ", a maintained series")));
    }

    /** Writable: a replica left over after a failover would accept reads and refuse every credential write. */
    public Check writability() {
        String key = store.keys().doctorProbe();
        String value = UUID.randomUUID().toString();
        try {
            redis.set(key, value, SetParams.setParams().px(60_000));
            String back = redis.get(key);
            redis.del(key);
            return value.equals(back) ? Check.ok("writable", "wrote and read back " + key)
                    : Check.fail("writable", "wrote " + key + " but read back something else", "is another process using the same namespace?");
        } catch (JedisException e) {
            IntegException failure = RedisErrors.serverState(e, "cannot write " + key)
                    .orElseGet(() -> IntegException.failure("cannot write " + key, RedisErrors.plain(e.getMessage()), null, e));
            return Check.fail("writable", failure.getMessage(), failure.hint());
        }
    }

    /** Persistent: a server that keeps nothing on disk loses every credential when it restarts. */
    public Check persistence() {
        try {
            Map<String, String> persistence = info("persistence");
            boolean aof = "1".equals(persistence.get("aof_enabled"));
            String fsync = configValue("appendfsync");
            String save = configValue("save");
            if (aof) {
                return fsync == null || fsync.equals("always") || fsync.equals("everysec")
                        ? Check.ok("persistence", "append-only file on" + (fsync == null ? "" : " (fsync " + fsync + ")"))
                        : Check.warn("persistence", "append-only file on but fsync " + fsync + ": a crash can lose recent writes",
                        "set appendfsync everysec or always on the server");
            }
            if (save != null && save.isBlank()) {
                return Check.warn("persistence", "the server keeps nothing on disk: a restart loses every stored credential",
                        "enable appendonly (AOF) on the server, or use the embedded store");
            }
            return Check.warn("persistence", "snapshots only (no append-only file): a crash loses writes since the last snapshot",
                    "enable appendonly (AOF) on the server");
        } catch (JedisException e) {
            return Check.warn("persistence", "cannot tell: " + RedisErrors.plain(e.getMessage()), null);
        }
    }

    /** The embedded store's directory must be 0700 and its files 0600: they hold the password and the data. */
    public Check privateFiles(Path dir) {
        List<String> loose = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String expected = Files.isDirectory(p) ? "rwx------" : "rw-------";
                String actual = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                if (!actual.equals(expected)) {
                    loose.add(dir.relativize(p) + " is " + actual);
                }
            }
        } catch (IOException e) {
            return Check.fail("files", "cannot inspect " + dir + ": " + e.getMessage(), null);
        }
        return loose.isEmpty() ? Check.ok("files", dir + " and its files are private (0700/0600)")
                : Check.fail("files", String.join(", ", loose), "run: chmod -R go-rwx " + dir);
    }

    private Map<String, String> info(String section) {
        try {
            return RedisInfo.parse(redis.info(section));
        } catch (UnsupportedOperationException | JedisException clusterOrRestricted) {
            return Map.of();
        }
    }

    /** CONFIG is often disabled on managed Redis; then the answer is simply unknown. */
    private String configValue(String name) {
        try {
            return redis.configGet(name).get(name);
        } catch (UnsupportedOperationException | JedisException restricted) {
            return null;
        }
    }
}
