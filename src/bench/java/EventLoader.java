import dev.integ.events.AlertRules;
import dev.integ.events.RedisEventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Loads N generated events spread evenly over the last DAYS days (issue 11's benchmark, src/bench/events.sh):
 * 1,000 users (alice is one of them, ~N/1000 events) and 10 providers (~N/10 each), mostly token reads.
 *
 *   chained: through integ's own append script and chain (RedisEventLog.load, pipelined batches of 1,000)
 *   legacy:  the layout before the chain (plain XADD into NS:events, pipelined), for the old jar
 *
 *   java -cp JAR:classes EventLoader PORT NAMESPACE MASTER_KEY_FILE N DAYS chained|legacy
 */
public final class EventLoader {
    static final String[] PROVIDERS = {"slack", "google", "jira", "acme", "okta", "github", "gitlab", "box", "dropbox", "zoom"};
    static final String[] ACTIONS = {"token.read", "token.read", "token.read", "token.read", "token.read", "token.read", "token.read",
        "refresh.start", "refresh.success", "refresh.failure"};

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        int port = Integer.parseInt(args[0]);
        RedisKeys keys = new RedisKeys(args[1]);
        MasterKey master = new KeysetFileMasterKey(Path.of(args[2]), "bench");
        int n = Integer.parseInt(args[3]);
        int days = Integer.parseInt(args[4]);
        boolean chained = args[5].equals("chained");
        long now = System.currentTimeMillis();
        long start = now - Duration.ofDays(days).toMillis();
        long step = (now - 60_000 - start) / n;
        Random random = new Random(42);
        long began = System.nanoTime();
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", port)
                .clientConfig(DefaultJedisClientConfig.builder().clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build()).build()) {
            UserHasher hasher = new UserHasher(redis, keys, () -> master);
            RedisEventLog log = new RedisEventLog(redis, keys, hasher, "loader@bench", "0123456789abcdef", Clock.systemUTC(),
                    RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS);
            String[] userHmacs = new String[1000];
            for (int u = 0; u < userHmacs.length; u++) {
                userHmacs[u] = hasher.hash(u == 0 ? "alice" : "user" + u + "@example.com");
            }
            List<RedisEventLog.Dated> chunk = new ArrayList<>();
            AbstractPipeline pipeline = chained ? null : redis.pipelined();
            for (int i = 0; i < n; i++) {
                long ms = start + i * step;
                int u = random.nextInt(1000);
                String provider = PROVIDERS[random.nextInt(PROVIDERS.length)];
                String action = ACTIONS[random.nextInt(ACTIONS.length)];
                boolean failure = action.endsWith("failure");
                String user = u == 0 ? "alice" : "user" + u + "@example.com";
                if (chained) {
                    chunk.add(new RedisEventLog.Dated(ms + "-0", Instant.ofEpochMilli(ms), failure
                            ? SecurityEvent.failure(action, provider, user, Map.of("status", "400"))
                            : SecurityEvent.success(action, provider, user, Map.of("refreshed", "false"))));
                    if (chunk.size() == 10_000) {
                        log.load(chunk, 1000);
                        chunk.clear();
                    }
                } else {
                    Map<String, String> f = new LinkedHashMap<>();
                    f.put("time", Instant.ofEpochMilli(ms).toString());
                    f.put("action", action);
                    f.put("result", failure ? "failure" : "success");
                    f.put("provider", provider);
                    f.put("user_hmac", userHmacs[u]);
                    f.put("actor", "loader@bench");
                    f.put("correlation", "0123456789abcdef");
                    f.put("details", failure ? "{\"status\":\"400\"}" : "{\"refreshed\":\"false\"}");
                    pipeline.xadd(keys.legacyEvents(), XAddParams.xAddParams().id(new StreamEntryID(ms, 0)), f);
                    if (i % 1000 == 999) {
                        pipeline.sync();
                    }
                }
            }
            if (chained) {
                log.load(chunk, 1000);
            } else {
                pipeline.sync();
                pipeline.close();
            }
        }
        System.out.printf("loaded %d %s events in %.1f s%n", n, args[5], (System.nanoTime() - began) / 1e9);
    }
}
