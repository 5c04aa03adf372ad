package dev.integ.store;

import dev.integ.core.IntegException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** `integ store status|start|stop`: what store is in use, and the embedded server's lifecycle. */
public final class StoreAdmin {
    private final StoreSettings settings;
    private final EmbeddedRedis embedded;
    private final Supplier<RedisStore> store;

    /** What `store status` reports. Numbers are null when the server is not running. */
    public record Status(String kind, String address, String source, String dataDir, boolean running, Long pid,
                         String redisVersion, Long uptimeSeconds, Long keys, String usedMemory) {
    }

    public StoreAdmin(StoreSettings settings, EmbeddedRedis embedded, Supplier<RedisStore> store) {
        this.settings = settings;
        this.embedded = embedded;
        this.store = store;
    }

    /** Never starts the embedded server; does connect to an external one. */
    public Status status() {
        if (settings.embedded()) {
            Optional<EmbeddedRedis.Endpoint> endpoint = embedded.runningEndpoint();
            if (endpoint.isEmpty()) {
                return new Status("embedded", null, "default", embedded.directory().toString(), false, null, null, null, null, null);
            }
        }
        RedisStore open = store.get();
        StoreDescription d = open.description();
        try {
            Map<String, String> info = RedisInfo.parse(open.redis().info());
            Long pid = d.embedded() ? embedded.runningEndpoint().map(EmbeddedRedis.Endpoint::pid).orElse(null) : null;
            return new Status(d.kind(), d.address(), d.source(), d.dataDir(), true, pid, info.get("redis_version"),
                    number(info.get("uptime_in_seconds")), open.redis().dbSize(), info.get("used_memory_human"));
        } catch (UnsupportedOperationException clusterWide) {
            return new Status(d.kind(), d.address(), d.source(), d.dataDir(), true, null, null, null, null, null);
        } catch (JedisException e) {
            throw StoreConnector.translate(e, d);
        }
    }

    public EmbeddedRedis.Endpoint start() {
        requireEmbedded("start");
        return embedded.ensureRunning();
    }

    /** @return the server that was stopped, or empty when none was running */
    public Optional<EmbeddedRedis.Endpoint> stop() {
        requireEmbedded("stop");
        return embedded.stop();
    }

    private void requireEmbedded(String verb) {
        if (!settings.embedded()) {
            throw IntegException.usage("'integ store " + verb + "' manages only the embedded store",
                    "this invocation uses " + settings.target().orElseThrow().display() + " (from " + settings.source() + ")",
                    "run it without --redis / INTEG_REDIS_URL / redis.url to manage the embedded store");
        }
    }

    private static Long number(String s) {
        try {
            return s == null ? null : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
