package dev.integ.store;

import redis.clients.jedis.UnifiedJedis;

/**
 * An open connection to integ's store, whichever kind it is. Feature services take the
 * {@link UnifiedJedis} and the {@link RedisKeys}; nothing else in integ knows a key name.
 */
public final class RedisStore implements AutoCloseable {
    private final UnifiedJedis redis;
    private final StoreDescription description;
    private final RedisKeys keys;
    private final ReplicaAcks acks;

    public RedisStore(UnifiedJedis redis, StoreDescription description, RedisKeys keys) {
        this(redis, description, keys, ReplicaAcks.none(redis));
    }

    public RedisStore(UnifiedJedis redis, StoreDescription description, RedisKeys keys, ReplicaAcks acks) {
        this.redis = redis;
        this.description = description;
        this.keys = keys;
        this.acks = acks;
    }

    /** How credential, keyset and event writes wait for replicas. */
    public ReplicaAcks acks() {
        return acks;
    }

    public UnifiedJedis redis() {
        return redis;
    }

    public StoreDescription description() {
        return description;
    }

    public RedisKeys keys() {
        return keys;
    }

    @Override
    public void close() {
        redis.close();
    }
}
