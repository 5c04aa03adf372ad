package dev.integ.events;

import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.RedisClient;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * A separate writer process for {@link EventChainTest}: appends N events through its own
 * RedisEventLog, after the parent says go (a line on stdin), so several processes append at once.
 *
 *   java -cp ... dev.integ.events.ChainWriterMain PORT MASTER_KEY_FILE N NAME
 */
public final class ChainWriterMain {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        KeysetFileMasterKey master = new KeysetFileMasterKey(Path.of(args[1]), "test");
        int n = Integer.parseInt(args[2]);
        RedisKeys keys = new RedisKeys("integ");
        try (RedisClient redis = RedisClient.create("127.0.0.1", port)) {
            RedisEventLog log = new RedisEventLog(redis, keys, new UserHasher(redis, keys, () -> master), new ChainKey(redis, keys, () -> master),
                    EventAnchor.NONE, args[3] + "@test", args[3], Clock.systemUTC(), RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
            log.record(SecurityEvent.success("keys.rotate", null, null, Map.of("w", args[3], "i", "ready")));
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            for (int i = 0; i < n; i++) {
                log.record(SecurityEvent.success("keys.rotate", null, null, Map.of("w", args[3], "i", Integer.toString(i))));
            }
        }
    }
}
