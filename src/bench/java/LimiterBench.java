import dev.integ.ratelimit.Limit;
import dev.integ.ratelimit.RateLimits;
import dev.integ.ratelimit.RedisRateLimiter;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Limiter checks per second next to the raw floor, in the same JVM and run (issue 5):
 * PING and a trivial EVALSHA ("return 1") are the floors; integ's check is one EVALSHA of the GCRA
 * script (two keys). Single connection, then 8 threads sharing a pool of 8. ROUNDS rounds, medians.
 * Also the server's own time per call (INFO commandstats' usec_per_call): what the script costs Redis,
 * apart from the round trip and the client.
 *
 *   java -cp target/integ.jar:target/bench-limiter/classes LimiterBench PORT [CHECKS] [ROUNDS]
 */
public final class LimiterBench {
    interface Op {
        void run(int thread, int i);
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        int port = Integer.parseInt(args[0]);
        int checks = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setJmxEnabled(false);
        pool.setMaxTotal(8);
        pool.setMaxIdle(8);
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", port)
                .clientConfig(DefaultJedisClientConfig.builder().clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build())
                .poolConfig(pool).build()) {
            // limits no check reaches: the allowed path is what provider calls take
            RateLimits limits = new RateLimits(Map.of("bench", new RateLimits.Pair(new Limit(1_000_000_000L, Duration.ofSeconds(1)),
                    new Limit(1_000_000_000L, Duration.ofSeconds(1)))));
            RedisRateLimiter limiter = new RedisRateLimiter(redis, new RedisKeys("bench"), limits);
            String sha = redis.scriptLoad("return 1", "x");
            Map<String, Op> ops = new java.util.LinkedHashMap<>();
            ops.put("ping", (t, i) -> redis.ping());
            ops.put("evalsha_return_1", (t, i) -> redis.evalsha(sha, 0));
            ops.put("limiter_check_one_user", (t, i) -> limiter.tryAcquire("bench", "alice"));
            ops.put("limiter_check_user_per_thread", (t, i) -> limiter.tryAcquire("bench", "user" + t));
            for (int threads : new int[] {1, 8}) {
                Map<String, double[]> perSecond = new java.util.LinkedHashMap<>();
                Map<String, double[]> serverMicros = new java.util.LinkedHashMap<>();
                ops.keySet().forEach(k -> perSecond.put(k, new double[rounds]));
                ops.keySet().forEach(k -> serverMicros.put(k, new double[rounds]));
                for (Map.Entry<String, Op> op : ops.entrySet()) {
                    measure(op.getValue(), threads, checks / 5); // warm-up
                }
                for (int r = 0; r < rounds; r++) {
                    for (Map.Entry<String, Op> op : ops.entrySet()) {
                        redis.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
                        perSecond.get(op.getKey())[r] = measure(op.getValue(), threads, checks);
                        serverMicros.get(op.getKey())[r] = usecPerCall(redis.info("commandstats"), op.getKey().equals("ping") ? "ping" : "evalsha");
                    }
                }
                System.out.printf("%n%d thread%s, %d calls per round, %d rounds (median calls/s; µs per call; Redis's own µs per call)%n",
                        threads, threads == 1 ? "" : "s",
                        checks, rounds);
                double ping = median(perSecond.get("ping"));
                for (Map.Entry<String, double[]> e : perSecond.entrySet()) {
                    double m = median(e.getValue());
                    System.out.printf("  %-32s %,10.0f /s  %6.1f µs  %.2fx the PING time  server %5.2f µs%n", e.getKey(), m, threads * 1e6 / m,
                            ping / m, median(serverMicros.get(e.getKey())));
                }
            }
        }
    }

    private static double measure(Op op, int threads, int calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < calls / threads; i++) {
                        op.run(thread, i);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            return calls / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    /** usec_per_call of one command in INFO commandstats ("cmdstat_evalsha:calls=..,usec=..,usec_per_call=6.70,..."). */
    private static double usecPerCall(String info, String command) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (field.startsWith("usec_per_call=")) {
                        return Double.parseDouble(field.substring("usec_per_call=".length()));
                    }
                }
            }
        }
        return Double.NaN;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
