import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

import java.nio.charset.StandardCharsets;

/** The reference probe of shared/design/PERFORMANCE.md: one PING and one AES-GCM encrypt/decrypt. */
public final class JedisTinkProbe {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setJmxEnabled(false);
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", Integer.parseInt(args[0]))
                .clientConfig(DefaultJedisClientConfig.builder().clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build())
                .poolConfig(pool).build()) {
            AeadConfig.register();
            Aead aead = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM)
                    .getPrimitive(RegistryConfiguration.get(), Aead.class);
            byte[] ad = "integ:slack:alice".getBytes(StandardCharsets.UTF_8);
            byte[] plain = aead.decrypt(aead.encrypt(new byte[1024], ad), ad);
            System.out.println(redis.ping() + " " + plain.length);
        }
    }
}
