import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.resps.ScanResult;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The floors for `integ list` and `integ keys rewrap` (issue 3): plain Java doing the same bulk work
 * on its own records (same count, similar size) without integ: SCAN 1000 + pipelined HMGET + Tink
 * decrypt, and for rewrap + encrypt + pipelined HSET.
 *
 *   java -cp ... VaultFloor PORT KEYSET_FILE load N | list | rewrap
 */
public final class VaultFloor {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        AeadConfig.register();
        int port = Integer.parseInt(args[0]);
        Path keysetFile = Path.of(args[1]);
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setJmxEnabled(false);
        try (RedisClient redis = RedisClient.builder().hostAndPort("127.0.0.1", port)
                .clientConfig(DefaultJedisClientConfig.builder().clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build())
                .poolConfig(pool).build()) {
            switch (args[2]) {
                case "load" -> load(redis, keysetFile, Integer.parseInt(args[3]));
                case "list" -> System.out.println(scan(redis, aead(keysetFile), false) + " records");
                case "rewrap" -> System.out.println(scan(redis, aead(keysetFile), true) + " records");
                default -> throw new IllegalArgumentException(args[2]);
            }
        }
    }

    private static Aead aead(Path keysetFile) throws Exception {
        return TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(keysetFile), InsecureSecretKeyAccess.get())
                .getPrimitive(RegistryConfiguration.get(), Aead.class);
    }

    private static void load(RedisClient redis, Path keysetFile, int n) throws Exception {
        KeysetHandle handle = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
        Files.writeString(keysetFile, TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get()));
        Aead aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
        Random random = new Random(1);
        byte[] metadata = new byte[120];
        byte[] secrets = new byte[110];
        for (int from = 0; from < n; from += 1000) {
            try (AbstractPipeline p = redis.pipelined()) {
                for (int i = from; i < Math.min(n, from + 1000); i++) {
                    random.nextBytes(secrets);
                    byte[] key = ("floor:cred:p:" + i).getBytes(StandardCharsets.UTF_8);
                    byte[] ciphertext = aead.encrypt(secrets, key);
                    byte[] data = new byte[metadata.length + ciphertext.length];
                    System.arraycopy(ciphertext, 0, data, metadata.length, ciphertext.length);
                    p.hset(key, "rev".getBytes(StandardCharsets.UTF_8), "1".getBytes(StandardCharsets.UTF_8));
                    p.hset(key, "data".getBytes(StandardCharsets.UTF_8), data);
                }
                p.sync();
            }
        }
    }

    private static long scan(RedisClient redis, Aead aead, boolean rewrap) throws Exception {
        byte[] rev = "rev".getBytes(StandardCharsets.UTF_8);
        byte[] dataField = "data".getBytes(StandardCharsets.UTF_8);
        long count = 0;
        ScanIteration iteration = redis.scanIteration(1000, "floor:cred:*");
        while (!iteration.isIterationCompleted()) {
            ScanResult<String> batch = iteration.nextBatch();
            List<Response<List<byte[]>>> replies = new ArrayList<>();
            List<byte[]> keys = new ArrayList<>();
            try (AbstractPipeline p = redis.pipelined()) {
                for (String key : batch.getResult()) {
                    byte[] k = key.getBytes(StandardCharsets.UTF_8);
                    keys.add(k);
                    replies.add(p.hmget(k, rev, dataField));
                }
                p.sync();
            }
            try (AbstractPipeline p = redis.pipelined()) {
                for (int i = 0; i < replies.size(); i++) {
                    byte[] data = replies.get(i).get().get(1);
                    byte[] ciphertext = java.util.Arrays.copyOfRange(data, 120, data.length);
                    byte[] plain = aead.decrypt(ciphertext, keys.get(i));
                    count++;
                    if (rewrap) {
                        byte[] again = aead.encrypt(plain, keys.get(i));
                        byte[] out = new byte[120 + again.length];
                        System.arraycopy(again, 0, out, 120, again.length);
                        p.hset(keys.get(i), dataField, out);
                    }
                }
                p.sync();
            }
        }
        return count;
    }
}
