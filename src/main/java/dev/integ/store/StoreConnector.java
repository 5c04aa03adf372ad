package dev.integ.store;

import dev.integ.core.IntegException;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Opens integ's store: the configured Redis (standalone, Sentinel or Cluster) or the embedded one.
 *
 * <p>Connections are made lazily, on the first command. Every pool is created with JMX off: Jedis'
 * default registers JMX beans, which costs ~200 ms of start-up for a one-shot command.
 */
public final class StoreConnector {
    private StoreConnector() {
    }

    public static RedisStore open(StoreSettings settings, RedisKeys keys, EmbeddedRedis embedded) {
        if (settings.embedded()) {
            EmbeddedRedis.Endpoint endpoint = embedded.ensureRunning();
            StoreDescription description = new StoreDescription("embedded", endpoint.socket().toString(), "default",
                    embedded.directory().toString());
            return store(overUnixSocket(endpoint, settings), description, keys, settings);
        }
        RedisTarget target = settings.target().orElseThrow();
        StoreDescription description = settings.description();
        return store(connect(target, settings, description), description, keys, settings);
    }

    private static RedisStore store(UnifiedJedis redis, StoreDescription description, RedisKeys keys, StoreSettings settings) {
        return new RedisStore(redis, description, keys, new ReplicaAcks(redis, settings.topology(), settings.acks()));
    }

    /** The embedded server: a pooled client whose connections are made on its unix socket. */
    private static UnifiedJedis overUnixSocket(EmbeddedRedis.Endpoint endpoint, StoreSettings settings) {
        RedisTarget target = new RedisTarget(RedisTarget.Topology.STANDALONE, List.of(), null, 0, false, null, endpoint.password());
        JedisClientConfig config = clientConfig(target, settings, 0);
        UnixSocketFactory sockets = new UnixSocketFactory(endpoint.socket(), config.getConnectionTimeoutMillis(), config.getSocketTimeoutMillis());
        return RedisClient.builder()
                // required by the builder, never dialled: every connection comes from the socket factory
                .hostAndPort("localhost", 0)
                .clientConfig(config)
                .connectionProvider(new PooledConnectionProvider(new ConnectionFactory(sockets, config), pool()))
                .build();
    }

    private static UnifiedJedis connect(RedisTarget target, StoreSettings settings, StoreDescription description) {
        JedisClientConfig config = clientConfig(target, settings, target.database());
        try {
            return switch (target.topology()) {
                case STANDALONE -> {
                    RedisTarget.Node node = target.nodes().get(0);
                    yield RedisClient.builder().hostAndPort(node.host(), node.port()).clientConfig(config).poolConfig(pool()).build();
                }
                case SENTINEL -> RedisSentinelClient.builder()
                        .masterName(target.masterName())
                        .sentinels(hosts(target))
                        .clientConfig(config)
                        // Sentinels commonly run without a password; they share the TLS setting.
                        .sentinelClientConfig(clientConfig(new RedisTarget(target.topology(), target.nodes(), target.masterName(),
                                0, target.tls(), null, null), withoutPassword(settings), 0))
                        .poolConfig(pool())
                        .build();
                case CLUSTER -> RedisClusterClient.builder()
                        .nodes(hosts(target))
                        .clientConfig(config)
                        .poolConfig(pool())
                        .maxAttempts(3)
                        .build();
            };
        } catch (JedisException e) {
            throw translate(e, description);
        }
    }

    /**
     * Turns a Jedis failure into a message about the store, with the exit code cron needs. Every Redis
     * failure that reaches the user passes here or through {@link RedisErrors}, which it uses.
     */
    public static IntegException translate(JedisException e, StoreDescription store) {
        String where = "cannot use the store (" + store.summary() + ")";
        String message = String.valueOf(e.getMessage());
        Optional<IntegException> passing = RedisErrors.serverState(e, where);
        if (passing.isPresent()) {
            return passing.get();
        }
        if (message.startsWith("NOAUTH") && !store.embedded()) {
            // Jedis 8 opens with HELLO; without a password Redis answers NOAUTH, reported as an access failure
            return IntegException.notFound(where, "Redis wants a password",
                    "put it in INTEG_REDIS_PASSWORD or a file named by --redis-password-file").withCause(e);
        }
        if (AclRoles.isDenial(message)) {
            // authenticated, but this user may not run a command or touch a key: not a password problem
            return AclRoles.denied(where, message, e);
        }
        if (e instanceof JedisAccessControlException) {
            return IntegException.notFound(where, "Redis refused the credentials: " + firstLine(message),
                    store.embedded() ? "the embedded store's password file may have been replaced; run 'integ store stop' and retry"
                            : "check the user and password (URL, INTEG_REDIS_PASSWORD or --redis-password-file)").withCause(e);
        }
        if (message.contains("seems to be not monitored")) {
            return IntegException.usage("cannot use the store (" + store.address() + ")",
                    "no Sentinel knows that master name", "check the #master part of the redis-sentinel:// URL").withCause(e);
        }
        if (RedisErrors.clusterFailingOver(e)) {
            return IntegException.retryLater(where, "a Cluster node did not answer: the Cluster is failing over or a node is down ("
                    + RedisErrors.plain(message) + ")", "retry in a moment; 'integ doctor' checks the store", e);
        }
        if (e instanceof JedisConnectionException) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (tlsRejected(e)) {
                // an untrusted or misnamed certificate does not fix itself: a configuration error, not "retry later"
                return IntegException.usage("cannot reach Redis " + store.address() + " over TLS",
                        "the server's certificate was not accepted: " + firstLine(root.getMessage()),
                        "trust its CA with --redis-ca-file (or INTEG_REDIS_CA_FILE), and use a host name the certificate lists").withCause(e);
            }
            String why = root instanceof UnknownHostException ? "unknown host " + root.getMessage()
                    : firstLine(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
            String hint = store.address().startsWith("rediss") && why.matches("(?i).*(broken pipe|reset).*")
                    ? "the server closed the TLS connection; if it requires client certificates, set --redis-client-cert and --redis-client-key"
                    : "check that the server is running and reachable, then retry; 'integ doctor' shows the details";
            return IntegException.retryLater("cannot reach Redis " + store.address(), why, hint, e);
        }
        return IntegException.failure(where, RedisErrors.plain(message), null, e);
    }

    private static boolean tlsRejected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException || t instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }

    // Jedis 8 deprecates ssl/sslParameters/sslSocketFactory for SslOptions, which only reads keystore
    // files; admins have PEM files (as for redis-cli), so integ builds the socket factory itself.
    @SuppressWarnings("deprecation")
    private static JedisClientConfig clientConfig(RedisTarget target, StoreSettings settings, int database) {
        // a WAIT may block for the ack timeout before its reply starts: the read timeout comes on top
        Duration read = target.topology() == RedisTarget.Topology.STANDALONE && settings.acks().minReplicas() == null
                ? settings.timeout() : settings.timeout().plus(settings.acks().timeout());
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()))
                .socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE, read.toMillis()))
                .database(database)
                .clientName("integ")
                // CLIENT SETINFO would add a round trip to every start-up
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
        if (target.user() != null) {
            config.user(target.user());
        }
        String password = target.password() != null ? target.password() : settings.password().orElse(null);
        if (password != null) {
            config.password(password);
        }
        if (target.tls()) {
            SSLParameters parameters = new SSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            config.ssl(true).sslParameters(parameters);
            if (settings.caFile().isPresent() || settings.clientCert().isPresent()) {
                config.sslSocketFactory(TlsFiles.socketFactory(settings.caFile(), settings.clientCert(), settings.clientKey()));
            }
        }
        return config.build();
    }

    private static StoreSettings withoutPassword(StoreSettings s) {
        return new StoreSettings(s.target(), s.source(), Optional.empty(), s.caFile(), s.clientCert(), s.clientKey(),
                s.timeout(), s.embeddedDir(), s.serverBinary(), s.acks());
    }

    private static Set<HostAndPort> hosts(RedisTarget target) {
        Set<HostAndPort> hosts = new LinkedHashSet<>();
        target.nodes().forEach(n -> hosts.add(new HostAndPort(n.host(), n.port())));
        return hosts;
    }

    private static ConnectionPoolConfig pool() {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setJmxEnabled(false);
        pool.setMaxTotal(8);
        return pool;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
