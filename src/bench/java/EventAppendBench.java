import dev.integ.events.AlertRules;
import dev.integ.events.RedisEventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * The cost of recording one security event (issue 11): {@code RedisEventLog.record} of a token.read
 * (provider and user named, so the alert counters run too) through the public API that both the
 * jar before the chain and the one after it have, so the same class measures both.
 * Each round appends N events to a fresh namespace; prints the median µs per event over ROUNDS.
 *
 *   java -cp JAR:classes EventAppendBench PORT [N] [ROUNDS]
 */
public final class EventAppendBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        int port = Integer.parseInt(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = Files.createTempDirectory("integ-event-bench");
        MasterKey master = new KeysetFileMasterKey(dir.resolve("master-key.json"), "bench");
        master.create();
        double[] micros = new double[rounds];
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", port)
                .clientConfig(DefaultJedisClientConfig.builder().clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build()).build()) {
            for (int round = -1; round < rounds; round++) { // round -1 warms the JIT up
                RedisKeys keys = new RedisKeys("bench" + (round + 1));
                RedisEventLog log = new RedisEventLog(redis, keys, new UserHasher(redis, keys, () -> master), "bench@host",
                        "0123456789abcdef", Clock.systemUTC(), new RedisEventLog.Retention(100_000_000L, Duration.ofDays(90)),
                        AlertRules.DEFAULTS);
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    log.record(SecurityEvent.success("token.read", "slack", "user" + (i % 1000) + "@example.com",
                            Map.of("refreshed", "false")));
                }
                long elapsed = System.nanoTime() - start;
                if (round >= 0) {
                    micros[round] = elapsed / 1000.0 / n;
                }
                redis.flushAll();
            }
        }
        double[] sorted = micros.clone();
        Arrays.sort(sorted);
        System.out.printf("us_per_event %.2f rounds %s%n", sorted[rounds / 2], Arrays.toString(micros));
    }
}
