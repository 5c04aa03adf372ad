import dev.integ.store.RedisKeys;
import dev.integ.store.RedisTarget;
import dev.integ.store.ReplicaAcks;
import dev.integ.vault.CredentialStore;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The cost of replica acknowledgement (issue 12): integ's credential write (the checked-write script
 * through vault.CredentialStore) against a primary that has one replica, without acknowledgement
 * (min-replica-acks 0: one EVALSHA) and with it (1: EVALSHA + WAIT 1 in one pipeline). The replica is
 * attached in both cases, so the primary does the same replication work; only the wait differs.
 * Single writes (one round trip each, as connect, refresh, forget) and batches of 500 (as import),
 * ROUNDS rounds alternating the two modes; per round the median latency; the table gives the medians.
 *
 *   java -cp target/integ.jar:target/bench-acks/classes AckBench PRIMARY_PORT [WRITES] [ROUNDS]
 */
public final class AckBench {
    private static final int BATCH = 500;

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        int port = Integer.parseInt(args[0]);
        int writes = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setJmxEnabled(false);
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", port)
                .clientConfig(DefaultJedisClientConfig.builder().clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build())
                .poolConfig(pool).build()) {
            RedisKeys keys = new RedisKeys("bench");
            CredentialStore[] stores = {
                    new CredentialStore(redis, keys, ReplicaAcks.none(redis)),
                    new CredentialStore(redis, keys, new ReplicaAcks(redis, RedisTarget.Topology.STANDALONE,
                            new ReplicaAcks.Setting(1, Duration.ofSeconds(2), "bench")))};
            String[] names = {"acks 0 (EVALSHA)", "acks 1 (EVALSHA + WAIT 1, one pipeline)"};
            byte[] data = new byte[300];
            new Random(1).nextBytes(data);
            long until = Instant.now().plus(Duration.ofDays(1)).toEpochMilli();
            double[][] single = new double[2][rounds];
            double[][] batch = new double[2][rounds];
            for (int mode = 0; mode < 2; mode++) {
                singles(stores[mode], keys, data, until, writes / 5, "warm" + mode); // warm-up
            }
            for (int r = 0; r < rounds; r++) {
                for (int mode = 0; mode < 2; mode++) {
                    single[mode][r] = singles(stores[mode], keys, data, until, writes, "s" + r + "m" + mode);
                    batch[mode][r] = batches(stores[mode], keys, data, until, writes, "b" + r + "m" + mode);
                }
                redis.flushAll();
            }
            System.out.printf("%d single writes and %d writes in batches of %d per round, %d rounds (medians)%n", writes, writes, BATCH, rounds);
            for (int mode = 0; mode < 2; mode++) {
                System.out.printf("  %-42s single write %7.1f µs   batch of %d %8.2f ms%n", names[mode], median(single[mode]),
                        BATCH, median(batch[mode]) / 1000);
            }
            System.out.printf("  ratio (acks 1 / acks 0)                    single write %7.2fx      batch %11.2fx%n",
                    median(single[1]) / median(single[0]), median(batch[1]) / median(batch[0]));
        }
    }

    /** Median µs of one credential write (new record each time). */
    private static double singles(CredentialStore store, RedisKeys keys, byte[] data, long until, int n, String tag) {
        double[] micros = new double[n];
        for (int i = 0; i < n; i++) {
            CredentialStore.Write w = new CredentialStore.Write(keys.credential("bench", tag + "-" + i), 0, data, null, false, until);
            long start = System.nanoTime();
            if (store.compareAndSet(w) != CredentialStore.Outcome.APPLIED) {
                throw new IllegalStateException("not applied");
            }
            micros[i] = (System.nanoTime() - start) / 1e3;
        }
        return median(micros);
    }

    /** Median µs of one batch of BATCH writes. */
    private static double batches(CredentialStore store, RedisKeys keys, byte[] data, long until, int n, String tag) {
        double[] micros = new double[Math.max(1, n / BATCH)];
        for (int b = 0; b < micros.length; b++) {
            List<CredentialStore.Write> writes = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                writes.add(new CredentialStore.Write(keys.credential("bench", tag + "-" + b + "-" + i), 0, data, null, false, until));
            }
            long start = System.nanoTime();
            store.compareAndSetAll(writes);
            micros[b] = (System.nanoTime() - start) / 1e3;
        }
        return median(micros);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
