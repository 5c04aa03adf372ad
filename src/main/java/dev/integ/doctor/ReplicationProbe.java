package dev.integ.doctor;

import dev.integ.store.ClusterShape;
import dev.integ.store.RedisInfo;
import dev.integ.store.RedisStore;
import dev.integ.store.RedisTarget;
import dev.integ.store.ReplicaAcks;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Doctor's replication line: the topology, the replicas in sync with their lag (INFO replication of
 * each primary), and how many of them every credential, keyset and event write waits for. Writes
 * that wait for more replicas than are in sync will all fail (exit 4): that is a failed check.
 */
final class ReplicationProbe {
    /** Redis' own default for min-replicas-max-lag: a replica silent for longer is not counted as in sync. */
    static final long MAX_LAG_SECONDS = 10;

    /** One replica as its primary sees it. */
    record Link(String address, String state, long lagSeconds, long bytesBehind) {
        boolean inSync() {
            return "online".equals(state) && lagSeconds <= MAX_LAG_SECONDS;
        }

        String describe() {
            return address + " " + state + ", lag " + lagSeconds + "s, " + bytesBehind + " bytes behind";
        }
    }

    private final RedisStore store;

    ReplicationProbe(RedisStore store) {
        this.store = store;
    }

    Check check() {
        ReplicaAcks acks = store.acks();
        try {
            return acks.topology() == RedisTarget.Topology.CLUSTER ? cluster(acks) : onePrimary(acks);
        } catch (JedisException | UnsupportedOperationException e) {
            return Check.warn("replication", "cannot tell (" + e.getMessage() + "); writes wait for " + acks.describe(), null);
        }
    }

    private Check onePrimary(ReplicaAcks acks) {
        Map<String, String> info = RedisInfo.parse(store.redis().info("replication"));
        String kind = store.description().embedded() ? "embedded server" : switch (acks.topology()) {
            case SENTINEL -> "Sentinel primary";
            default -> "standalone server";
        };
        if ("slave".equals(info.get("role"))) {
            return Check.fail("replication", kind + " is a replica of " + info.get("master_host") + ":" + info.get("master_port"),
                    "point integ at the primary (or use redis-sentinel://)");
        }
        List<Link> links = links(info);
        int required = acks.required(store.keys().keyset().getBytes(StandardCharsets.UTF_8));
        long inSync = links.stream().filter(Link::inSync).count();
        String detail = kind + ", " + replicas(links) + "; writes wait for " + acks.describe() + serverMinimum(store.redis());
        return verdict(detail, required, inSync, links.size(), acks);
    }

    private Check cluster(ReplicaAcks acks) {
        ClusterShape shape = ClusterShape.read(store.redis());
        Function<String, Optional<Map<String, String>>> infoOf = infoByNode(store.redis());
        List<String> lacking = new ArrayList<>();
        List<String> shards = new ArrayList<>();
        int replicasTotal = 0;
        for (ClusterShape.Primary primary : shape.primaries()) {
            int required = acks.required(primary);
            Optional<List<Link>> links = infoOf.apply(primary.address()).map(ReplicationProbe::links);
            long inSync = links.map(l -> l.stream().filter(Link::inSync).count())
                    .orElseGet(() -> primary.replicas().stream().filter(r -> r.connected() && !r.failing()).count());
            replicasTotal += primary.replicas().size();
            shards.add(primary.address() + ": " + links.map(ReplicationProbe::replicas)
                    .orElse(primary.replicas().size() + " replica(s) known, " + inSync + " connected"));
            if (inSync < required) {
                lacking.add(primary.address() + " (" + inSync + " of " + required + ")");
            }
        }
        String detail = "cluster of " + shape.primaries().size() + " primaries; " + String.join("; ", shards)
                + "; writes wait for " + acks.describe();
        if (!lacking.isEmpty()) {
            return Check.fail("replication", detail, "writes to " + String.join(", ", lacking)
                    + " will fail (exit 4) until their replicas are back; or set redis.min-replica-acks 0 and accept the risk README describes");
        }
        return verdict(detail, 0, 0, replicasTotal, acks);
    }

    private static Check verdict(String detail, int required, long inSync, int replicas, ReplicaAcks acks) {
        if (inSync < required) {
            return Check.fail("replication", detail, "every credential, keyset and event write will fail (exit 4) until "
                    + required + " replica(s) are in sync; or set redis.min-replica-acks 0 and accept the risk README describes");
        }
        boolean failsOver = acks.topology() != RedisTarget.Topology.STANDALONE;
        if (failsOver && replicas > 0 && Integer.valueOf(0).equals(acks.setting().minReplicas())) {
            return Check.warn("replication", detail, "a failover can lose writes integ reported as done: "
                    + "leave redis.min-replica-acks unset (1) or set it to 1");
        }
        return Check.ok("replication", detail);
    }

    /** slave0:ip=127.0.0.1,port=6380,state=online,offset=123,lag=0 and master_repl_offset. */
    static List<Link> links(Map<String, String> info) {
        long primaryOffset = number(info.get("master_repl_offset"));
        List<Link> links = new ArrayList<>();
        for (int i = 0; info.containsKey("slave" + i); i++) {
            Map<String, String> f = new HashMap<>();
            for (String pair : info.get("slave" + i).split(",")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    f.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            links.add(new Link(f.get("ip") + ":" + f.get("port"), f.getOrDefault("state", "unknown"), number(f.get("lag")),
                    Math.max(0, primaryOffset - number(f.get("offset")))));
        }
        return links;
    }

    private static String replicas(List<Link> links) {
        if (links.isEmpty()) {
            return "no replicas";
        }
        long inSync = links.stream().filter(Link::inSync).count();
        return inSync + " of " + links.size() + " replica(s) in sync (" + String.join("; ", links.stream().map(Link::describe).toList()) + ")";
    }

    /** The server's own guard, when CONFIG may be read: it refuses writes with fewer replicas than this. */
    private static String serverMinimum(UnifiedJedis redis) {
        try {
            Map<String, String> config = redis.configGet("min-replicas-*");
            String min = config.get("min-replicas-to-write");
            return min == null ? "" : "; server min-replicas-to-write " + min + ", min-replicas-max-lag " + config.get("min-replicas-max-lag") + "s";
        } catch (JedisException | UnsupportedOperationException restricted) {
            return "";
        }
    }

    /** INFO replication of one Cluster node, through the client's own pool for it. */
    private static Function<String, Optional<Map<String, String>>> infoByNode(UnifiedJedis redis) {
        Map<String, ConnectionPool> pools = redis instanceof RedisClusterClient cluster ? cluster.getClusterNodes() : Map.of();
        return address -> {
            ConnectionPool pool = pools.get(address);
            if (pool == null) {
                return Optional.empty();
            }
            try (Connection connection = pool.getResource()) {
                return Optional.of(RedisInfo.parse(new Jedis(connection).info("replication")));
            } catch (JedisException unreachable) {
                return Optional.empty();
            }
        };
    }

    private static long number(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
