package dev.integ.testing.reliability;

import dev.integ.testing.ObservableState;
import dev.integ.testing.TestRedis;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three primaries, each with one replica (the slots split in three). A failover is a
 * kill -9 of a shard's primary: the other primaries mark it failed after the node timeout (1 s) and its
 * replica takes over its slots; the killed node then comes back on its port and files and rejoins as
 * the replica of its successor. Round 1 hits the shard of the security event log (so `events tail`
 * loses its node), round 2 the shard of the keyset.
 */
public final class ClusterSet implements Topology {
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String[] NODE = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", "1000", "--repl-diskless-sync-delay", "0"};
    private static final int SLOTS = 16384;

    /** Every node as it is now (a killed one is replaced by its restart, at the same index). */
    private final List<TestRedis> nodes = new ArrayList<>();
    private final List<TestRedis> retired = new ArrayList<>();
    private final String namespace;

    private ClusterSet(String namespace) {
        this.namespace = namespace;
    }

    /** @param namespace integ's namespace: the keys whose shards the rounds fail over are under it */
    public static ClusterSet start(String namespace) {
        ClusterSet set = new ClusterSet(namespace);
        try {
            for (int i = 0; i < 6; i++) {
                set.nodes.add(TestRedis.start(NODE));
            }
            TestRedis first = set.nodes.get(0);
            try (Jedis jedis = jedis(first)) {
                for (TestRedis n : set.nodes.subList(1, 6)) {
                    jedis.clusterMeet("127.0.0.1", n.port());
                }
            }
            for (int p = 0; p < 3; p++) {
                try (Jedis jedis = jedis(set.nodes.get(p))) {
                    jedis.clusterAddSlotsRange(p * SLOTS / 3, p == 2 ? SLOTS - 1 : (p + 1) * SLOTS / 3 - 1);
                }
            }
            for (TestRedis n : set.nodes) {
                ObservableState.await(CONVERGE, n.port() + " knows all six nodes", () -> nodesOf(n).lines().count() == 6);
            }
            for (int r = 3; r < 6; r++) {
                String primaryId = myId(set.nodes.get(r - 3));
                try (Jedis jedis = jedis(set.nodes.get(r))) {
                    jedis.clusterReplicate(primaryId);
                }
            }
            for (int r = 3; r < 6; r++) {
                set.awaitWhole(set.nodes.get(r), set.nodes.get(r - 3));
            }
            return set;
        } catch (RuntimeException | Error e) {
            set.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public String url() {
        return "redis-cluster://" + nodes.subList(0, 3).stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    @Override
    public String failOver(int round) {
        String key = round % 2 == 1 ? namespace + ":events:{" + namespace + "}:log" : namespace + ":keyset";
        int slot = JedisClusterCRC16.getSlot(key);
        TestRedis primary = primaryOf(slot);
        String primaryId = myId(primary);
        TestRedis replica = nodes.stream().filter(n -> n != primary && nodesOf(n).lines()
                .anyMatch(l -> l.contains("myself") && l.contains("slave") && l.contains(primaryId))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no replica of " + primary.port()));
        int index = nodes.indexOf(primary);
        primary.kill();
        List<TestRedis> alive = nodes.stream().filter(n -> n != primary).toList();
        ObservableState.await(CONVERGE, replica.port() + " is promoted", () -> nodesOf(replica).lines()
                .anyMatch(l -> l.contains("myself") && l.contains("master")));
        for (TestRedis n : alive) {
            ObservableState.await(CONVERGE, n.port() + " serves every slot again", () -> clusterInfo(n).contains("cluster_state:ok")
                    && owner(n, slot).filter(p -> p == replica.port()).isPresent());
        }
        TestRedis back = TestRedis.restart(primary.directory(), primary.port(), NODE);
        retired.add(primary);
        nodes.set(index, back);
        awaitWhole(back, replica);
        return "kill -9 of the primary " + primary.port() + " of slot " + slot + " (" + key + "); " + replica.port() + " promoted";
    }

    /**
     * {@code replica} replicates {@code primary} with its link up, and every node sees it as a healthy
     * replica of it (integ reads CLUSTER NODES to decide which shards wait for a replica).
     */
    private void awaitWhole(TestRedis replica, TestRedis primary) {
        String primaryId = myId(primary);
        String replicaId = myId(replica);
        ObservableState.await(CONVERGE, replica.port() + " replicates " + primary.port(), () -> {
            String info = info(replica);
            return info.contains("role:slave") && info.contains("master_port:" + primary.port()) && info.contains("master_link_status:up")
                    && info(primary).contains("port=" + replica.port() + ",state=online");
        });
        for (TestRedis n : nodes) {
            ObservableState.await(CONVERGE, n.port() + " sees " + replica.port() + " as a healthy replica of " + primary.port(),
                    () -> clusterInfo(n).contains("cluster_state:ok") && nodesOf(n).lines().anyMatch(l -> l.startsWith(replicaId + " ")
                            && l.contains("slave") && !l.contains("fail") && l.contains(" " + primaryId + " ")));
        }
    }

    private TestRedis primaryOf(int slot) {
        int port = owner(nodes.get(0), slot).orElseThrow(() -> new IllegalStateException("nobody serves slot " + slot));
        return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
    }

    /** The port of the primary that {@code asked} says serves {@code slot}. */
    private static Optional<Integer> owner(TestRedis asked, int slot) {
        for (String line : nodesOf(asked).lines().toList()) {
            String[] f = line.split(" ");
            if (!f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                String[] range = f[i].split("-");
                if (range[0].startsWith("[")) {
                    continue; // a slot being migrated
                }
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return Optional.of(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@'))));
                }
            }
        }
        return Optional.empty();
    }

    private static String nodesOf(TestRedis n) {
        try (Jedis jedis = jedis(n)) {
            return jedis.clusterNodes();
        }
    }

    private static String clusterInfo(TestRedis n) {
        try (Jedis jedis = jedis(n)) {
            return jedis.clusterInfo();
        }
    }

    private static String myId(TestRedis n) {
        try (Jedis jedis = jedis(n)) {
            return jedis.clusterMyId();
        }
    }

    private static String info(TestRedis n) {
        try (Jedis jedis = jedis(n)) {
            return jedis.info("replication");
        }
    }

    private static Jedis jedis(TestRedis n) {
        return new Jedis("127.0.0.1", n.port());
    }

    @Override
    public void close() {
        nodes.forEach(TestRedis::close);
        retired.forEach(TestRedis::close);
    }
}
