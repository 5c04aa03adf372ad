package dev.integ.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.keys.AdminLock;
import dev.integ.keys.DataKeys;
import dev.integ.vault.KeyRotation;
import dev.integ.keys.Keyring;
import dev.integ.keys.KeysetLease;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.store.RedisKeys;
import dev.integ.vault.CredentialStore;
import dev.integ.vault.CredentialVault;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One throwaway redis-server and one master key file for a test class of the vault and keys
 * commands. The CLI runs against it with {@code --redis} and {@code INTEG_MASTER_KEY_FILE}; the Java
 * services are wired to it the way {@link dev.integ.Services} wires them, for tests that must
 * interleave with a running job.
 */
public final class VaultFixture implements AutoCloseable, org.junit.jupiter.api.extension.AfterAllCallback {
    public static final String NS = "integ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestRedis redis;
    private final Path dir;
    private final Path masterKey;
    private final Cli cli;
    private final UnifiedJedis client;

    private VaultFixture(TestRedis redis, Path dir) {
        this.redis = redis;
        this.dir = dir;
        this.masterKey = dir.resolve("master-key.json");
        this.cli = new Cli(dir.resolve("home")).env("INTEG_MASTER_KEY_FILE", masterKey.toString());
        this.client = RedisClient.builder().hostAndPort("127.0.0.1", redis.port()).build();
    }

    /** Stops the server after the test class that registered this fixture ({@code @RegisterExtension static final VaultFixture vault = VaultFixture.start();}). */
    @Override
    public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) {
        close();
    }

    public static VaultFixture start() {
        return start(new String[0]);
    }

    /** @param redisArgs options for its redis-server, such as {@link TestRedis#DURABLE} */
    public static VaultFixture start(String... redisArgs) {
        TestRedis redis = TestRedis.start(redisArgs);
        try {
            return new VaultFixture(redis, Files.createTempDirectory("integ-vault-test"));
        } catch (IOException e) {
            redis.close();
            throw new UncheckedIOException(e);
        }
    }

    // ---- the CLI ----

    /** A CLI with this fixture's master key and a private HOME; add {@code --redis} yourself, or use {@link #run}. */
    public Cli cli() {
        return cli;
    }

    public String url() {
        return redis.url();
    }

    /** The redis-server it started (a test that restarts it on the same port and directory stops the new one itself). */
    public TestRedis server() {
        return redis;
    }

    public Path masterKeyFile() {
        return masterKey;
    }

    public Path directory() {
        return dir;
    }

    /** Runs integ against this fixture's Redis. */
    public Cli.Result run(String... args) {
        return cli.run(withRedis(args));
    }

    public Cli.Result runWithInput(String stdin, String... args) {
        return cli.runWithInput(stdin, withRedis(args));
    }

    /** As if on a terminal, with {@code typed} as what the admin types. */
    public Cli.Result runOnTerminal(String typed, String... args) {
        return cli.runOnTerminal(typed, withRedis(args));
    }

    public String[] withRedis(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--redis";
        all[args.length + 1] = redis.url();
        return all;
    }

    /** Runs and asserts exit code 0, showing stdout and stderr when it is not. */
    public Cli.Result ok(String... args) {
        Cli.Result r = run(args);
        assertThat(r.exitCode()).as("integ %s%nout:%n%s%nerr:%n%s", String.join(" ", args), r.out(), r.err()).isZero();
        return r;
    }

    public Cli.Result okWithInput(String stdin, String... args) {
        Cli.Result r = runWithInput(stdin, args);
        assertThat(r.exitCode()).as("integ %s%nout:%n%s%nerr:%n%s", String.join(" ", args), r.out(), r.err()).isZero();
        return r;
    }

    /** Empties the server and sets up a fresh keyset in the default namespace (the master key file stays). */
    public void reset() {
        try (Jedis jedis = jedis()) {
            jedis.flushAll();
        }
        ok("keys", "init");
    }

    public static JsonNode json(Cli.Result r) {
        try {
            return JSON.readTree(r.out());
        } catch (IOException e) {
            throw new AssertionError("not JSON:\n" + r.out() + "\nerr:\n" + r.err(), e);
        }
    }

    /** `keys status -o json`, parsed. */
    public JsonNode status() {
        return json(ok("keys", "status", "-o", "json"));
    }

    /** Records per key id, from `keys status -o json`. */
    public Map<String, Long> recordsPerKey() {
        Map<String, Long> counts = new TreeMap<>();
        status().get("keys").forEach(k -> counts.put(k.get("id").asText(), k.get("records").asLong()));
        return counts;
    }

    public String primaryKey() {
        for (JsonNode k : status().get("keys")) {
            if (k.get("primary").asBoolean()) {
                return k.get("id").asText();
            }
        }
        throw new AssertionError("no primary key in " + status());
    }

    // ---- Redis, directly ----

    /** A new raw connection; close it. */
    public Jedis jedis() {
        return new Jedis("127.0.0.1", redis.port());
    }

    /** The pooled client the Java services use; closed with the fixture. */
    public UnifiedJedis client() {
        return client;
    }

    /** Every key of the server, in order. */
    public static List<String> allKeys(Jedis jedis) {
        List<String> keys = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = jedis.scan(cursor, new ScanParams().count(1000));
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        keys.sort(null);
        return keys;
    }

    /**
     * Every key with its type and content (hash fields, string value; base64), to prove a command
     * changed nothing. TTLs are left out: they count down. The security event log is left out too:
     * recording what happened (an integrity failure, say) is the one change a failing read makes.
     */
    public Map<String, String> snapshot() {
        try (Jedis jedis = jedis()) {
            Map<String, String> all = new TreeMap<>();
            for (String key : allKeys(jedis)) {
                if (key.contains(":events")) {
                    continue;
                }
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                String type = jedis.type(k);
                String content = switch (type) {
                    case "hash" -> {
                        Map<String, String> fields = new TreeMap<>();
                        jedis.hgetAll(k).forEach((f, v) -> fields.put(new String(f, StandardCharsets.UTF_8), b64(v)));
                        yield fields.toString();
                    }
                    case "string" -> b64(jedis.get(k));
                    default -> b64(jedis.dump(k));
                };
                all.put(key, type + " " + content);
            }
            return all;
        }
    }

    /** Redis' clock, epoch ms: the clock the write lease and the retire grace are measured by. */
    public long serverMillis() {
        try (Jedis jedis = jedis()) {
            List<String> time = jedis.time();
            return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
        }
    }

    /** As if {@code by} had passed since {@code keyId} was marked retiring in namespace {@link #NS}. */
    public void backdateRetiring(String keyId, Duration by) {
        try (Jedis jedis = jedis()) {
            String field = "retiring:" + keyId;
            Instant since = Instant.parse(jedis.hget(NS + ":keyset", field));
            jedis.hset(NS + ":keyset", field, since.minus(by).toString());
        }
    }

    public List<String> credentialKeys() {
        try (Jedis jedis = jedis()) {
            return allKeys(jedis).stream().filter(k -> k.contains(":cred:")).toList();
        }
    }

    private static String b64(byte[] b) {
        return b == null ? "null" : Base64.getEncoder().encodeToString(b);
    }

    // ---- the Java services, wired as dev.integ.Services wires them ----

    public RedisKeys keys(String namespace) {
        return new RedisKeys(namespace);
    }

    public Keyring keyring(String namespace) {
        return new Keyring(client, keys(namespace), new KeysetFileMasterKey(masterKey, "INTEG_MASTER_KEY_FILE"), Clock.systemUTC());
    }

    /** A vault that loads the data keys once, on first use, like one CLI invocation. */
    public CredentialVault vault(String namespace) {
        return new CredentialVault(new CredentialStore(client, keys(namespace)), KeysetLease.of(keyring(namespace)), Clock.systemUTC(),
                events(namespace));
    }

    /** A vault whose keys come from {@code keys}; renewing them asks it again. */
    public CredentialVault vault(String namespace, Supplier<DataKeys> keys) {
        return new CredentialVault(new CredentialStore(client, keys(namespace)), new KeysetLease(keys, held -> keys.get()), Clock.systemUTC(),
                events(namespace));
    }

    /** The event log as Services builds it, on this fixture's server and master key. */
    public dev.integ.events.EventLog events(String namespace) {
        return new dev.integ.events.RedisEventLog(client, keys(namespace), new dev.integ.events.UserHasher(client, keys(namespace),
                () -> new KeysetFileMasterKey(masterKey, "INTEG_MASTER_KEY_FILE")), "test@fixture", "fixture", Clock.systemUTC(),
                dev.integ.events.RedisEventLog.Retention.DEFAULTS, dev.integ.events.AlertRules.DEFAULTS);
    }

    /** Key jobs of one invocation: a fresh vault, and the admin lock with the given wait. */
    public KeyRotation rotation(String namespace, Duration lockWait) {
        return rotation(namespace, vault(namespace), () -> AdminLock.acquire(client, keys(namespace).keysLock(), lockWait));
    }

    public KeyRotation rotation(String namespace, CredentialVault vault, Supplier<AdminLock> lock) {
        return new KeyRotation(keyring(namespace), vault, lock);
    }

    public static <T> Supplier<T> memoized(Supplier<T> supplier) {
        Object[] value = new Object[1];
        return () -> {
            if (value[0] == null) {
                value[0] = supplier.get();
            }
            @SuppressWarnings("unchecked")
            T t = (T) value[0];
            return t;
        };
    }

    @Override
    public void close() {
        // a command run here without withRedis would have started the embedded store in this home and left it running
        boolean strayStore = Files.exists(cli.home().resolve("data/integ/redis"));
        try {
            client.close();
            if (strayStore) {
                cli.run("store", "stop");
            }
        } finally {
            redis.close();
            deleteRecursively(dir);
        }
        if (strayStore) {
            throw new AssertionError("a test ran integ without the fixture's --redis and started the embedded store (stopped now)");
        }
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp directory
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
