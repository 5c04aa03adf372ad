package dev.integ.store;

import dev.integ.core.Durations;
import dev.integ.core.IntegException;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes that count as done only once N replicas have them: credential, keyset and event writes go
 * through here.
 *
 * <p>Redis replicates asynchronously. A write the primary has accepted may be on no replica yet, and
 * a failover in that moment promotes a replica without it: the write is gone although the primary
 * said OK. {@code WAIT n timeout} blocks until n replicas have acknowledged every write made <em>on
 * the connection it is sent on</em>, so each write and its WAIT go out in one pipeline, which holds
 * one connection (one per node, on a Cluster) for both. A pooled client's two separate calls may use
 * two connections, and a WAIT on a connection that wrote nothing answers at once.
 *
 * <p>Fewer acknowledgements than asked is an {@link IntegException} with exit code 4: the write is on
 * the primary, but nothing may be reported as done. A batch waits once per node, after all its writes.
 * When no acknowledgement is asked for (a standalone server, by default) writes are sent exactly as
 * before, without a pipeline or a WAIT.
 */
public final class ReplicaAcks {
    /**
     * A healthy replica acknowledges within a round trip (WAIT makes the primary ask at once, with
     * REPLCONF GETACK). Two seconds cover a replica slowed by a fork or a busy network, and are short
     * enough that a write to a primary that has just been demoted fails while the admin still waits.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /**
     * What the settings ask for.
     *
     * @param minReplicas replicas that must confirm each write; null: the topology's default
     * @param source      where {@code minReplicas} came from ("default" when null)
     */
    public record Setting(Integer minReplicas, Duration timeout, String source) {
        public static final Setting DEFAULT = new Setting(null, DEFAULT_TIMEOUT, "default");

        public Setting {
            if (minReplicas != null && minReplicas < 0) {
                throw new IllegalArgumentException("minReplicas < 0");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
        }
    }

    private final UnifiedJedis redis;
    private final RedisTarget.Topology topology;
    private final Setting setting;
    private final Function<UnifiedJedis, ClusterShape> clusterShape;
    private ClusterShape shape;

    public ReplicaAcks(UnifiedJedis redis, RedisTarget.Topology topology, Setting setting) {
        this(redis, topology, setting, ClusterShape::read);
    }

    ReplicaAcks(UnifiedJedis redis, RedisTarget.Topology topology, Setting setting, Function<UnifiedJedis, ClusterShape> clusterShape) {
        this.redis = redis;
        this.topology = topology;
        this.setting = setting;
        this.clusterShape = clusterShape;
    }

    /** Never waits: for a client that knows it has no replicas to ask (and for tests of other things). */
    public static ReplicaAcks none(UnifiedJedis redis) {
        return new ReplicaAcks(redis, RedisTarget.Topology.STANDALONE, new Setting(0, DEFAULT_TIMEOUT, "none"));
    }

    public Setting setting() {
        return setting;
    }

    public RedisTarget.Topology topology() {
        return topology;
    }

    /**
     * How many replicas a write to {@code key} waits for. A configured number applies everywhere;
     * otherwise 1 on Sentinel (it exists to fail over to a replica), 1 on a Cluster shard that has a
     * replica (read from CLUSTER NODES once, at the first write), and 0 on a standalone server, whose
     * replicas, if any, integ does not follow.
     */
    public int required(byte[] key) {
        if (setting.minReplicas() != null) {
            return setting.minReplicas();
        }
        return switch (topology) {
            case STANDALONE -> 0;
            case SENTINEL -> 1;
            case CLUSTER -> {
                int primary = shape().primaryOf(ClusterShape.slot(key));
                yield primary < 0 ? 0 : required(shape().primaries().get(primary));
            }
        };
    }

    /** How many replicas writes to one Cluster primary wait for. */
    public int required(ClusterShape.Primary primary) {
        return setting.minReplicas() != null ? setting.minReplicas() : primary.replicas().isEmpty() ? 0 : 1;
    }

    /** Runs one script call; with acknowledgement asked for, the call and its WAIT share one connection. */
    public Object eval(RedisScript script, List<byte[]> keys, List<byte[]> args) {
        int replicas = required(keys.get(0));
        if (replicas == 0) {
            return script.eval(redis, keys, args);
        }
        RedisScript.Call call = new RedisScript.Call(keys, args);
        try {
            return acknowledged(keys.get(0), replicas, pipeline -> script.evalsha(pipeline, call));
        } catch (JedisNoScriptException notLoaded) {
            // nothing was written: the server did not have the script (restarted, SCRIPT FLUSH)
            return acknowledged(keys.get(0), replicas, pipeline -> script.evalBody(pipeline, call));
        }
    }

    /** DEL of one key, acknowledged like any write. */
    public long del(byte[] key) {
        int replicas = required(key);
        if (replicas == 0) {
            return redis.del(key);
        }
        return acknowledged(key, replicas, pipeline -> pipeline.del(key));
    }

    /**
     * Runs all calls in one pipelined round trip (per node), then one WAIT per node. Replies are in
     * the calls' order; a call the server had no script for is sent again with the script's body.
     */
    public List<Object> evalAll(RedisScript script, List<RedisScript.Call> calls) {
        if (calls.isEmpty()) {
            return List.of();
        }
        List<Node> nodes = nodes(calls);
        if (nodes.stream().allMatch(n -> n.replicas == 0)) {
            return script.evalAll(redis, calls);
        }
        script.load(redis, calls.get(0).keys().get(0));
        Object[] results = new Object[calls.size()];
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            pending.add(i);
        }
        boolean bySha = true;
        while (!pending.isEmpty()) {
            List<Response<Object>> replies = new ArrayList<>(pending.size());
            Map<Node, Response<Long>> waits = new LinkedHashMap<>();
            List<Node> touched = bySha ? nodes : nodes(pending.stream().map(calls::get).toList());
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (int i : pending) {
                    replies.add(bySha ? script.evalsha(pipeline, calls.get(i)) : script.evalBody(pipeline, calls.get(i)));
                }
                for (Node node : touched) {
                    if (node.replicas > 0) {
                        waits.put(node, pipeline.waitReplicas(node.sampleKey, node.replicas, timeoutMillis()));
                    }
                }
                pipeline.sync();
            }
            List<Integer> notLoaded = new ArrayList<>();
            for (int j = 0; j < pending.size(); j++) {
                try {
                    results[pending.get(j)] = PipelineReplies.get(replies.get(j));
                } catch (JedisNoScriptException flushedMeanwhile) {
                    notLoaded.add(pending.get(j));
                }
            }
            waits.forEach((node, acknowledged) -> require(node.replicas, PipelineReplies.get(acknowledged)));
            pending = notLoaded;
            bySha = false;
        }
        return Arrays.asList(results); // a script may answer nil
    }

    /** The write and its WAIT in one pipeline: one connection, so the WAIT covers this write. */
    private <T> T acknowledged(byte[] key, int replicas, Function<AbstractPipeline, Response<T>> write) {
        Response<T> reply;
        Response<Long> acknowledged;
        try (AbstractPipeline pipeline = redis.pipelined()) {
            reply = write.apply(pipeline);
            acknowledged = pipeline.waitReplicas(key, replicas, timeoutMillis());
            pipeline.sync();
        }
        T result = PipelineReplies.get(reply);
        require(replicas, PipelineReplies.get(acknowledged));
        return result;
    }

    private void require(int replicas, long acknowledged) {
        if (acknowledged < replicas) {
            throw unconfirmed(replicas, acknowledged);
        }
    }

    private IntegException unconfirmed(int replicas, long acknowledged) {
        return IntegException.retryLater("written to the primary but not confirmed by " + replicas + " replica(s) within "
                        + Durations.format(setting.timeout()), "rerun to be sure",
                acknowledged + " of " + replicas + " confirmed: a failover may be under way, or a replica is down or behind; "
                        + "'integ doctor' shows the replicas (redis.min-replica-acks and redis.ack-timeout set the wait)", null);
    }

    private long timeoutMillis() {
        return Math.max(1, setting.timeout().toMillis());
    }

    /** The nodes a batch writes to, each with one of its keys (WAIT is routed by it) and its replicas to wait for. */
    private List<Node> nodes(List<RedisScript.Call> calls) {
        Map<Integer, Node> byNode = new LinkedHashMap<>();
        for (RedisScript.Call call : calls) {
            byte[] key = call.keys().get(0);
            int node = topology == RedisTarget.Topology.CLUSTER ? shape().primaryOf(ClusterShape.slot(key)) : 0;
            byNode.computeIfAbsent(node, n -> new Node(key, required(key)));
        }
        return List.copyOf(byNode.values());
    }

    private synchronized ClusterShape shape() {
        if (shape == null) {
            shape = clusterShape.apply(redis);
        }
        return shape;
    }

    /** What the writes wait for, for doctor: "1 replica (default for Sentinel), up to 2s". */
    public String describe() {
        String timeout = "up to " + Durations.format(setting.timeout());
        if (setting.minReplicas() != null) {
            return setting.minReplicas() == 0 ? "none (redis.min-replica-acks 0, from " + setting.source() + ")"
                    : replicas(setting.minReplicas()) + " (from " + setting.source() + "), " + timeout;
        }
        return switch (topology) {
            case STANDALONE -> "none (the default for a standalone server)";
            case SENTINEL -> "1 replica (the default for Sentinel), " + timeout;
            case CLUSTER -> "1 replica on each shard that has one (the default for a Cluster), " + timeout;
        };
    }

    private static String replicas(int n) {
        return n + (n == 1 ? " replica" : " replicas");
    }

    private record Node(byte[] sampleKey, int replicas) {
    }
}
