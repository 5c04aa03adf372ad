package dev.integ.testing.reliability;

import dev.integ.testing.ObservableState;
import dev.integ.testing.TestRedis;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * One primary, one replica and three Sentinels (quorum 2), as issue 12 describes. Odd rounds kill -9 the
 * primary (the Sentinels notice within a second and promote the replica; the killed server comes back
 * empty as a replica of the new primary, on its old port); even rounds ask for {@code SENTINEL FAILOVER},
 * which leaves the old primary writable until Sentinel demotes it.
 */
public final class SentinelSet implements Topology {
    public static final String MASTER = "mymaster";
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String[] NODE = {"--repl-diskless-sync-delay", "0", "--replica-announce-ip", "127.0.0.1"};

    private final List<TestRedis> all = new CopyOnWriteArrayList<>();
    private final List<TestRedis> sentinels = new ArrayList<>();
    /** The two data servers, as they are now (a killed one is replaced by its restart). */
    private final TestRedis[] data = new TestRedis[2];

    private SentinelSet() {
    }

    public static SentinelSet start() {
        SentinelSet set = new SentinelSet();
        try {
            set.data[0] = set.add(TestRedis.start(NODE));
            set.data[1] = set.add(TestRedis.start(with(NODE, "--replicaof", "127.0.0.1", Integer.toString(set.data[0].port()))));
            awaitReplicating(set.data[1], set.data[0]);
            for (int i = 0; i < 3; i++) {
                set.sentinels.add(set.add(TestRedis.startSentinel(MASTER, set.data[0].port(), 2,
                        "sentinel down-after-milliseconds " + MASTER + " 1000", "sentinel failover-timeout " + MASTER + " 10000")));
            }
            for (TestRedis s : set.sentinels) {
                ObservableState.await(CONVERGE, "Sentinel " + s.port() + " knows the replica and the other Sentinels",
                        () -> goodReplica(s, set.data[1].port()) && sentinelsKnown(s) == 2);
            }
            return set;
        } catch (RuntimeException | Error e) {
            set.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "sentinel";
    }

    @Override
    public String url() {
        return "redis-sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(",")) + "#" + MASTER;
    }

    @Override
    public String failOver(int round) {
        int primaryPort = masterPort(sentinels.get(0));
        int oldIndex = data[0].port() == primaryPort ? 0 : 1;
        TestRedis oldPrimary = data[oldIndex];
        TestRedis newPrimary = data[1 - oldIndex];
        String what;
        if (round % 2 == 1) {
            oldPrimary.kill();
            awaitNamed(newPrimary);
            // back on its port with nothing, told to replicate the new primary (as a rebuilt machine would be)
            oldPrimary = TestRedis.restart(oldPrimary.directory(), oldPrimary.port(),
                    with(NODE, "--replicaof", "127.0.0.1", Integer.toString(newPrimary.port())));
            all.add(oldPrimary);
            data[oldIndex] = oldPrimary;
            what = "kill -9 of the primary " + primaryPort + "; " + newPrimary.port() + " promoted";
        } else {
            TestRedis leader = sentinels.get(2); // not the one clients ask first: that one learns a moment later
            ObservableState.await(CONVERGE, "Sentinel " + leader.port() + " accepts SENTINEL FAILOVER", () -> {
                try (Jedis jedis = jedis(leader)) {
                    return "OK".equals(jedis.sentinelFailover(MASTER));
                } catch (JedisDataException inProgressOrNoGoodReplica) {
                    return false;
                }
            });
            awaitNamed(newPrimary);
            what = "SENTINEL FAILOVER from " + primaryPort + " to " + newPrimary.port();
        }
        TestRedis replica = oldPrimary;
        awaitReplicating(replica, newPrimary);
        for (TestRedis s : sentinels) {
            ObservableState.await(CONVERGE, "Sentinel " + s.port() + " sees " + replica.port() + " as a healthy replica",
                    () -> goodReplica(s, replica.port()));
        }
        return what;
    }

    private void awaitNamed(TestRedis newPrimary) {
        for (TestRedis s : sentinels) {
            ObservableState.await(CONVERGE, "Sentinel " + s.port() + " names " + newPrimary.port(), () -> masterPort(s) == newPrimary.port());
        }
    }

    /** {@code replica} replicates {@code primary} with its link up, and the primary counts it online. */
    private static void awaitReplicating(TestRedis replica, TestRedis primary) {
        ObservableState.await(CONVERGE, replica.port() + " replicates " + primary.port(), () -> {
            String info = info(replica);
            return info.contains("role:slave") && info.contains("master_port:" + primary.port()) && info.contains("master_link_status:up")
                    && info(primary).contains("port=" + replica.port() + ",state=online");
        });
    }

    private static String info(TestRedis redis) {
        try (Jedis jedis = jedis(redis)) {
            return jedis.info("replication");
        }
    }

    private static int masterPort(TestRedis sentinel) {
        try (Jedis jedis = jedis(sentinel)) {
            return Integer.parseInt(jedis.sentinelGetMasterAddrByName(MASTER).get(1));
        }
    }

    /** The Sentinel sees that replica as healthy: flags exactly "slave" and its link to the primary up. */
    private static boolean goodReplica(TestRedis sentinel, int port) {
        try (Jedis jedis = jedis(sentinel)) {
            return jedis.sentinelReplicas(MASTER).stream().anyMatch(r -> Integer.toString(port).equals(r.get("port"))
                    && "slave".equals(r.get("flags")) && "ok".equals(r.get("master-link-status")));
        }
    }

    private static int sentinelsKnown(TestRedis sentinel) {
        try (Jedis jedis = jedis(sentinel)) {
            return jedis.sentinelSentinels(MASTER).size();
        }
    }

    private static Jedis jedis(TestRedis redis) {
        return new Jedis("127.0.0.1", redis.port());
    }

    private TestRedis add(TestRedis started) {
        all.add(started);
        return started;
    }

    static String[] with(String[] a, String... b) {
        String[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Override
    public void close() {
        all.forEach(TestRedis::close);
    }
}
