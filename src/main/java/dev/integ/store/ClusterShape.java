package dev.integ.store;

import dev.integ.core.IntegException;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which primary serves each hash slot of a Cluster, and which replicas each primary has, from one
 * CLUSTER NODES reply. Replicas marked failing still count: a shard whose replica is down must not
 * quietly stop asking for acknowledgements.
 */
public final class ClusterShape {
    /** One replica as the cluster sees it. */
    public record Replica(String address, boolean failing, boolean connected) {
    }

    /** One primary and the replicas that follow it. */
    public record Primary(String id, String address, List<Replica> replicas) {
    }

    private final List<Primary> primaries;
    private final int[] primaryOfSlot;

    private ClusterShape(List<Primary> primaries, int[] primaryOfSlot) {
        this.primaries = primaries;
        this.primaryOfSlot = primaryOfSlot;
    }

    public static int slot(byte[] key) {
        return JedisClusterCRC16.getSlot(key);
    }

    public List<Primary> primaries() {
        return primaries;
    }

    /** Index of the primary serving {@code slot} in {@link #primaries()}; -1 when no primary claims it. */
    public int primaryOf(int slot) {
        return primaryOfSlot[slot];
    }

    /** Asks the first node that answers; a Cluster client knows every node (primaries and replicas). */
    public static ClusterShape read(UnifiedJedis redis) {
        if (!(redis instanceof RedisClusterClient cluster)) {
            throw new IllegalStateException("not a Cluster client: " + redis.getClass().getSimpleName());
        }
        JedisException last = null;
        for (ConnectionPool pool : cluster.getClusterNodes().values()) {
            try (Connection connection = pool.getResource()) {
                return parse(connection.executeCommand(new CommandObject<>(
                        new CommandArguments(Protocol.Command.CLUSTER).add("NODES"), BuilderFactory.STRING)));
            } catch (JedisException e) {
                last = e;
            }
        }
        if (last != null) {
            throw last;
        }
        throw IntegException.retryLater("cannot read the Cluster's nodes", "no node is known", "check the redis-cluster:// seed nodes", null);
    }

    /** Parses CLUSTER NODES: {@code id addr flags master ping pong epoch link slot...} per line. */
    static ClusterShape parse(String nodes) {
        record Line(String id, String address, List<String> flags, String master, boolean connected, List<String> slots) {
        }
        List<Line> lines = new ArrayList<>();
        for (String text : nodes.split("\n")) {
            String[] f = text.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            List<String> flags = Arrays.asList(f[2].split(","));
            if (flags.contains("handshake") || flags.contains("noaddr")) {
                continue;
            }
            // ip:port@cport[,hostname]
            String address = f[1].split("[@,]")[0];
            lines.add(new Line(f[0], address, flags, f[3], "connected".equals(f[7]), List.of(f).subList(8, f.length)));
        }
        Map<String, List<Replica>> replicas = new HashMap<>();
        for (Line l : lines) {
            if (l.flags().contains("slave") && !"-".equals(l.master())) {
                replicas.computeIfAbsent(l.master(), m -> new ArrayList<>())
                        .add(new Replica(l.address(), l.flags().contains("fail") || l.flags().contains("fail?"), l.connected()));
            }
        }
        List<Primary> primaries = new ArrayList<>();
        int[] primaryOfSlot = new int[16384];
        Arrays.fill(primaryOfSlot, -1);
        for (Line l : lines) {
            if (!l.flags().contains("master")) {
                continue;
            }
            int index = primaries.size();
            primaries.add(new Primary(l.id(), l.address(), List.copyOf(replicas.getOrDefault(l.id(), List.of()))));
            for (String range : l.slots()) {
                if (range.startsWith("[")) {
                    continue; // a slot being migrated or imported: still served by its current owner
                }
                int dash = range.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
                Arrays.fill(primaryOfSlot, from, to + 1, index);
            }
        }
        return new ClusterShape(List.copyOf(primaries), primaryOfSlot);
    }
}
