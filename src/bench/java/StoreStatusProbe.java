import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * Floor for `integ store status --redis URL`: a minimal Jedis program doing the same Redis work
 * (INFO and DBSIZE over one connection, pool without JMX) and printing the answer.
 */
public final class StoreStatusProbe {
    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setJmxEnabled(false);
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", Integer.parseInt(args[0]))
                .clientConfig(DefaultJedisClientConfig.builder().clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build())
                .poolConfig(pool).build()) {
            String info = redis.info();
            long keys = redis.dbSize();
            System.out.println(info.length() + " " + keys);
        }
    }
}
