package dev.integ.store;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script called by its SHA1 (EVALSHA), so bulk jobs do not send and hash the body on every
 * call; falls back to EVAL when the server does not have it (restarted, SCRIPT FLUSH).
 */
public final class RedisScript {
    private final byte[] body;
    private final byte[] sha;

    /** One call of the script: its keys and arguments. */
    public record Call(List<byte[]> keys, List<byte[]> args) {
    }

    public RedisScript(String body) {
        this.body = body.getBytes(StandardCharsets.UTF_8);
        try {
            // SHA1 here is Redis' name for the script, not a security measure
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.body)).getBytes(StandardCharsets.US_ASCII);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Object eval(UnifiedJedis redis, List<byte[]> keys, List<byte[]> args) {
        try {
            return redis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException notLoaded) {
            return redis.eval(body, keys, args);
        }
    }

    /** Loads the script on the node of {@code sampleKey}, so a batch of EVALSHA finds it there. */
    void load(UnifiedJedis redis, byte[] sampleKey) {
        redis.scriptLoad(body, sampleKey);
    }

    /** Queues one call by SHA1 on a pipeline ({@link ReplicaAcks} adds its WAIT to the same pipeline). */
    Response<Object> evalsha(AbstractPipeline pipeline, Call call) {
        return pipeline.evalsha(sha, call.keys(), call.args());
    }

    /** Queues one call with the script's body, for a server that did not have it. */
    Response<Object> evalBody(AbstractPipeline pipeline, Call call) {
        return pipeline.eval(body, call.keys(), call.args());
    }

    /**
     * Runs all calls in one pipelined round trip. The calls must live on one node (a SCAN batch
     * does: on a Cluster it comes from one node), where the script is loaded first.
     */
    public List<Object> evalAll(UnifiedJedis redis, List<Call> calls) {
        if (calls.isEmpty()) {
            return List.of();
        }
        redis.scriptLoad(body, calls.get(0).keys().get(0));
        List<Response<Object>> replies = new ArrayList<>(calls.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (Call call : calls) {
                replies.add(pipeline.evalsha(sha, call.keys(), call.args()));
            }
            pipeline.sync();
        }
        List<Object> results = new ArrayList<>(calls.size());
        for (int i = 0; i < replies.size(); i++) {
            Object result;
            try {
                result = PipelineReplies.get(replies.get(i));
            } catch (JedisNoScriptException flushedMeanwhile) {
                result = redis.eval(body, calls.get(i).keys(), calls.get(i).args());
            }
            results.add(result);
        }
        return results;
    }
}
