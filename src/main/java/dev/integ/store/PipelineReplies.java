package dev.integ.store;

import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Reads a pipelined reply. On a Cluster, Jedis syncs a pipeline node by node and, when one node's
 * connection fails (a primary killed in a failover), logs it, drops that node's replies and goes on:
 * their {@link Response#get()} then throws a bare IllegalStateException ("Please close pipeline ...").
 * Here that is what it is, a lost connection, so callers and the error reporter treat it as one (exit 4,
 * retry) instead of an unexpected failure.
 */
public final class PipelineReplies {
    private PipelineReplies() {
    }

    public static <T> T get(Response<T> reply) {
        try {
            return reply.get();
        } catch (IllegalStateException neverAnswered) {
            // no cause on purpose: messages are read from the innermost cause, and Jedis' own says nothing useful
            throw new JedisConnectionException("lost a Redis node's connection in the middle of a pipelined batch (a failover?); "
                    + "its replies never came");
        }
    }
}
