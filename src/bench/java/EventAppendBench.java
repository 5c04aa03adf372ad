import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The cost of recording one security event (issue 11), before the chain and after it, paired in one JVM:
 * each jar is loaded in a class loader of its own and driven through the public API both have
 * ({@code new RedisEventLog(redis, keys, hasher, actor, correlation, clock, retention, rules).record(event)}),
 * a token.read naming a provider and one of 1,000 users (so the alert counters run too). Rounds alternate
 * old-new / new-old; each round appends N events to a fresh namespace. Prints µs per event, the median of
 * each side and the median of the per-round ratios, and Redis' own µs per event (INFO commandstats).
 *
 *   java EventAppendBench PORT OLD_JAR NEW_JAR [N] [ROUNDS]
 */
public final class EventAppendBench {
    /** One jar's event log, driven by reflection. */
    static final class Side {
        final String name;
        final Object redis;
        final Constructor<?> keys;
        final Constructor<?> hasher;
        final Constructor<?> log;
        final Object retention;
        final Object rules;
        final Method success;
        final Method record;
        final Method sendInfo;
        final Method send;
        final Object configCommand;
        final Object masterKey;

        Side(String name, Path jar, Path masterFile, int port) throws Exception {
            this.name = name;
            ClassLoader l = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> unified = l.loadClass("redis.clients.jedis.UnifiedJedis");
            redis = l.loadClass("redis.clients.jedis.RedisClient").getMethod("create", String.class, int.class).invoke(null, "127.0.0.1", port);
            Class<?> keysClass = l.loadClass("dev.integ.store.RedisKeys");
            keys = keysClass.getConstructor(String.class);
            Class<?> hasherClass = l.loadClass("dev.integ.events.UserHasher");
            hasher = hasherClass.getConstructor(unified, keysClass, Supplier.class);
            Class<?> retentionClass = l.loadClass("dev.integ.events.RedisEventLog$Retention");
            retention = retentionClass.getConstructor(long.class, Duration.class).newInstance(100_000_000L, Duration.ofDays(90));
            Class<?> rulesClass = l.loadClass("dev.integ.events.AlertRules");
            rules = rulesClass.getField("DEFAULTS").get(null);
            log = l.loadClass("dev.integ.events.RedisEventLog").getConstructor(unified, keysClass, hasherClass, String.class, String.class,
                    Clock.class, retentionClass, rulesClass);
            Class<?> event = l.loadClass("dev.integ.events.SecurityEvent");
            success = event.getMethod("success", String.class, String.class, String.class, Map.class);
            record = l.loadClass("dev.integ.events.RedisEventLog").getMethod("record", event);
            masterKey = l.loadClass("dev.integ.keys.KeysetFileMasterKey").getConstructor(Path.class, String.class).newInstance(masterFile, "bench");
            sendInfo = unified.getMethod("info", String.class);
            Class<?> protocolCommand = l.loadClass("redis.clients.jedis.commands.ProtocolCommand");
            send = unified.getMethod("sendCommand", protocolCommand, String[].class);
            configCommand = l.loadClass("redis.clients.jedis.Protocol$Command").getField("CONFIG").get(null);
        }

        /** µs per event of N appends to a fresh namespace, and Redis' own µs per event. */
        double[] run(String namespace, int n) throws Exception {
            Object k = keys.newInstance(namespace);
            Supplier<Object> master = () -> masterKey;
            Object h = hasher.newInstance(redis, k, master);
            Object events = log.newInstance(redis, k, h, "bench@host", "0123456789abcdef", Clock.systemUTC(), retention, rules);
            Object[] prepared = new Object[1000];
            for (int u = 0; u < prepared.length; u++) {
                prepared[u] = success.invoke(null, "token.read", "slack", "user" + u + "@example.com", Map.of("refreshed", "false"));
            }
            record.invoke(events, prepared[0]); // keys created and loaded: the steady state is measured
            send.invoke(redis, configCommand, new String[] {"RESETSTAT"});
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                record.invoke(events, prepared[i % prepared.length]);
            }
            double micros = (System.nanoTime() - start) / 1000.0 / n;
            return new double[] {micros, serverMicros(n)};
        }

        private double serverMicros(int n) throws Exception {
            double total = 0;
            for (String line : ((String) sendInfo.invoke(redis, "commandstats")).split("\r?\n")) {
                int at = line.indexOf("usec=");
                if (line.startsWith("cmdstat_") && at > 0) {
                    total += Double.parseDouble(line.substring(at + 5, line.indexOf(',', at)));
                }
            }
            return total / n;
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        int port = Integer.parseInt(args[0]);
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 7;
        Path dir = Files.createTempDirectory("integ-event-bench");
        Path masterFile = dir.resolve("master-key.json");
        Side old = new Side("old", Path.of(args[1]), masterFile, port);
        Side now = new Side("new", Path.of(args[2]), masterFile, port);
        old.masterKey.getClass().getMethod("create").invoke(old.masterKey);
        List<double[]> olds = new ArrayList<>();
        List<double[]> news = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int round = -1; round < rounds; round++) { // round -1 warms both up
            Side first = round % 2 == 0 ? old : now;
            Side second = first == old ? now : old;
            double[] a = first.run(first.name + "a" + round, n);
            double[] b = second.run(second.name + "b" + round, n);
            double[] o = first == old ? a : b;
            double[] w = first == old ? b : a;
            if (round >= 0) {
                olds.add(o);
                news.add(w);
                ratios.add(w[0] / o[0]);
                System.out.printf("round %d: old %.1f us (redis %.1f), new %.1f us (redis %.1f), new/old %.2f%n", round, o[0], o[1], w[0], w[1], w[0] / o[0]);
            }
        }
        System.out.printf("old_us %.1f new_us %.1f old_redis_us %.1f new_redis_us %.1f ratio_of_medians %.2f median_ratio %.2f%n",
                median(olds, 0), median(news, 0), median(olds, 1), median(news, 1), median(news, 0) / median(olds, 0),
                median(ratios.stream().map(r -> new double[] {r}).toList(), 0));
    }

    static double median(List<double[]> xs, int i) {
        double[] v = xs.stream().mapToDouble(x -> x[i]).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
