import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.Services;
import dev.integ.cli.Main;
import dev.integ.config.Environment;
import dev.integ.oauth.AccessTokens;
import dev.integ.ratelimit.RedisRateLimiter;
import dev.integ.testing.TestRedis;
import dev.integ.testing.fakes.FakeAtlassian;
import dev.integ.testing.reliability.ClusterSet;
import dev.integ.testing.reliability.SentinelSet;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Load figures (issue 12): WORKERS threads of one process doing integ's hot paths for SECONDS against
 * CREDENTIALS stored credentials, through integ's own services wired as one invocation wires them
 * (dev.integ.Services: Sentinel / Cluster clients, replica acknowledgement, event log):
 * <ul>
 *   <li>token: {@code AccessTokens.token} of a fresh credential (read, decrypt, a token.read event appended);</li>
 *   <li>refresh: {@code AccessTokens.refresh} at a fake Atlassian on loopback (lock, refresh.start event,
 *       redemption over HTTP, compare-and-set of the new tokens, refresh.success event, unlock);</li>
 *   <li>ratelimit: one GCRA check ({@code RedisRateLimiter.tryAcquire}, one script).</li>
 * </ul>
 * Each worker picks the operation (token 60%, refresh 20%, ratelimit 20%) and the credential at random.
 * The topology is started here from the test helpers (real redis-server processes on free ports): one
 * server, 1 primary + 1 replica + 3 Sentinels, or a 3+3 Cluster. On Sentinel and Cluster each round runs
 * once with {@code redis.min-replica-acks} 1 and once with 0, alternating, so their ratio is paired.
 *
 *   java -cp target/integ.jar:target/test-classes:CLASSES LoadBench standalone|sentinel|cluster [SECONDS] [ROUNDS] [WORKERS] [CREDENTIALS]
 */
public final class LoadBench {
    private static final String[] OPS = {"token", "refresh", "ratelimit"};

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        String topology = args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int workers = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int credentials = args.length > 4 ? Integer.parseInt(args[4]) : 10_000;
        Path work = Files.createTempDirectory("integ-load");
        AutoCloseable servers;
        String url;
        switch (topology) {
            case "standalone" -> {
                TestRedis redis = TestRedis.start();
                servers = redis;
                url = redis.url();
            }
            case "sentinel" -> {
                SentinelSet set = SentinelSet.start();
                servers = set;
                url = set.url();
            }
            case "cluster" -> {
                ClusterSet set = ClusterSet.start("integ");
                servers = set;
                url = set.url();
            }
            default -> throw new IllegalArgumentException("standalone, sentinel or cluster");
        }
        try (FakeAtlassian jira = new FakeAtlassian()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> close(servers)));
            Map<String, String> env = environment(work, url, jira);
            seed(env, work, jira, credentials);
            List<String> modes = topology.equals("standalone") ? List.of("0") : List.of("1", "0");
            Map<String, List<Result>> results = new LinkedHashMap<>();
            run(env, "1", workers, 3, credentials); // warm-up: JIT, pools, scripts loaded
            for (int r = 0; r < rounds; r++) {
                for (String acks : modes) {
                    Result result = run(env, acks, workers, seconds, credentials);
                    results.computeIfAbsent(acks, k -> new ArrayList<>()).add(result);
                    System.out.printf("%s acks %s round %d: %s%n", topology, acks, r + 1, result);
                }
            }
            System.out.printf("%n%s, %d workers, %d s x %d rounds, %d credentials: medians over rounds%n", topology, workers, seconds, rounds, credentials);
            System.out.printf("%-8s %10s | %-28s | %-28s | %-28s%n", "acks", "ops/s", "token p50/p99 ms", "refresh p50/p99 ms", "ratelimit p50/p99 ms");
            for (Map.Entry<String, List<Result>> e : results.entrySet()) {
                List<Result> rs = e.getValue();
                StringBuilder row = new StringBuilder(String.format("%-8s %10.0f", e.getKey(), median(rs.stream().mapToDouble(Result::throughput).toArray())));
                for (int op = 0; op < OPS.length; op++) {
                    int o = op;
                    row.append(String.format(" | %12.2f / %-13.2f", median(rs.stream().mapToDouble(x -> x.p50[o]).toArray()),
                            median(rs.stream().mapToDouble(x -> x.p99[o]).toArray())));
                }
                System.out.println(row);
            }
            if (results.size() == 2) {
                double with = median(results.get("1").stream().mapToDouble(Result::throughput).toArray());
                double without = median(results.get("0").stream().mapToDouble(Result::throughput).toArray());
                System.out.printf("throughput ratio acks 0 / acks 1: %.2fx%n", without / with);
            }
        } finally {
            close(servers);
        }
    }

    private static Map<String, String> environment(Path work, String url, FakeAtlassian jira) throws Exception {
        Path config = work.resolve("config.yaml");
        Files.writeString(config, """
                providers:
                  jira:
                    authorization-endpoint: %s
                    token-endpoint: %s
                    resources-endpoint: %s
                rate-limits:
                  jira: {per-user: 100000/1m, overall: 100000000/1m}
                """.formatted(jira.authorizationEndpoint(), jira.tokenEndpoint(), jira.resourcesEndpoint()));
        Map<String, String> env = new HashMap<>();
        env.put("HOME", work.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("XDG_CONFIG_HOME", work.resolve("config").toString());
        env.put("XDG_DATA_HOME", work.resolve("data").toString());
        env.put("INTEG_REDIS_URL", url);
        env.put("INTEG_MASTER_KEY_FILE", work.resolve("master-key.json").toString());
        env.put("INTEG_CONFIG", config.toString());
        env.put("JIRA_CLIENT_ID", jira.clientId());
        env.put("JIRA_CLIENT_SECRET", jira.clientSecret());
        return env;
    }

    /** keys init and one import of CREDENTIALS jira credentials whose refresh tokens are real at the fake. */
    private static void seed(Map<String, String> env, Path work, FakeAtlassian jira, int credentials) throws Exception {
        cli(env, "", "keys", "init");
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < credentials; i++) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("provider", "jira");
            doc.put("user", "user-" + i);
            doc.put("access_token", "at-" + i);
            doc.put("refresh_token", jira.seedRefreshToken(List.of("read:jira-work", "offline_access")));
            doc.put("expires_in", 86_400);
            lines.append(json.writeValueAsString(doc)).append('\n');
        }
        cli(env, lines.toString(), "import", "--file", "-", "--redis-ack-timeout", "10s");
    }

    private static void cli(Map<String, String> env, String stdin, String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(args, new Environment(Map.copyOf(env)), new ByteArrayInputStream(stdin.getBytes()), new PrintWriter(new StringWriter()),
                new PrintWriter(err, true), false);
        if (code != 0) {
            throw new IllegalStateException("integ " + String.join(" ", args) + " exited " + code + ": " + err);
        }
    }

    /** One timed run: WORKERS threads, one Services (as refresh --all shares one), the given acknowledgement. */
    private static Result run(Map<String, String> base, String acks, int workers, int seconds, int credentials) throws Exception {
        Map<String, String> env = new HashMap<>(base);
        env.put("INTEG_REDIS_MIN_REPLICA_ACKS", acks);
        try (Services services = new Services(new Environment(Map.copyOf(env)))) {
            AccessTokens tokens = services.accessTokens();
            RedisRateLimiter limiter = services.rateLimiter();
            long[][][] latencies = new long[workers][OPS.length][];
            int[][] counts = new int[workers][OPS.length];
            int[] errors = new int[workers];
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            long[] window = new long[2];
            for (int w = 0; w < workers; w++) {
                int me = w;
                for (int op = 0; op < OPS.length; op++) {
                    latencies[me][op] = new long[1 << 16];
                }
                Thread t = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long end = window[1];
                    while (System.nanoTime() < end) {
                        int dice = random.nextInt(10);
                        int op = dice < 6 ? 0 : dice < 8 ? 1 : 2;
                        String user = "user-" + random.nextInt(credentials);
                        long start = System.nanoTime();
                        try {
                            switch (op) {
                                case 0 -> tokens.token("jira", user, Duration.ofMinutes(1));
                                case 1 -> tokens.refresh("jira", user);
                                default -> limiter.tryAcquire("jira", user);
                            }
                        } catch (RuntimeException e) {
                            errors[me]++;
                            continue;
                        }
                        long took = System.nanoTime() - start;
                        if (counts[me][op] == latencies[me][op].length) {
                            latencies[me][op] = Arrays.copyOf(latencies[me][op], latencies[me][op].length * 2);
                        }
                        latencies[me][op][counts[me][op]++] = took;
                    }
                }, "load-" + w);
                threads.add(t);
                t.start();
            }
            window[0] = System.nanoTime();
            window[1] = window[0] + Duration.ofSeconds(seconds).toNanos();
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - window[0]) / 1e9;
            Result result = new Result(new double[OPS.length], new double[OPS.length], new long[OPS.length], elapsed,
                    Arrays.stream(errors).sum());
            for (int op = 0; op < OPS.length; op++) {
                int total = 0;
                for (int w = 0; w < workers; w++) {
                    total += counts[w][op];
                }
                long[] all = new long[total];
                int at = 0;
                for (int w = 0; w < workers; w++) {
                    System.arraycopy(latencies[w][op], 0, all, at, counts[w][op]);
                    at += counts[w][op];
                }
                Arrays.sort(all);
                result.count[op] = total;
                result.p50[op] = total == 0 ? Double.NaN : all[(int) (total * 0.50)] / 1e6;
                result.p99[op] = total == 0 ? Double.NaN : all[Math.min(total - 1, (int) (total * 0.99))] / 1e6;
            }
            return result;
        }
    }

    private record Result(double[] p50, double[] p99, long[] count, double seconds, int errors) {
        double throughput() {
            return Arrays.stream(count).sum() / seconds;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(String.format("%.0f ops/s (%d errors)", throughput(), errors));
            for (int op = 0; op < OPS.length; op++) {
                s.append(String.format("; %s %d, p50 %.2f ms, p99 %.2f ms", OPS[op], count[op], p50[op], p99[op]));
            }
            return s.toString();
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void close(AutoCloseable servers) {
        try {
            servers.close();
        } catch (Exception ignored) {
            // the servers are throwaway
        }
    }
}
