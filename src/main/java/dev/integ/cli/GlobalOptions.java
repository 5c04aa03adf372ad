package dev.integ.cli;

import dev.integ.config.Flags;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options every command accepts. Declared once on the top command with INHERITED scope, so a value
 * given after any subcommand lands here. Defaults are not set here: {@link dev.integ.config.Settings}
 * applies environment, config file and built-in defaults in one place.
 */
public final class GlobalOptions {

    /** Environment variables integ reads, for --help and the man pages. */
    public static final Map<String, String> ENVIRONMENT = environment();

    @Option(names = "--redis", paramLabel = "URL", scope = ScopeType.INHERIT, order = 100,
            description = "Redis to keep data in (env INTEG_REDIS_URL; default: integ's embedded store). "
                    + "redis://[user@]host:port[/db], rediss:// for TLS, redis-sentinel://h1,h2[/db]#master, redis-cluster://h1,h2.")
    String redis;

    @Option(names = "--redis-password-file", paramLabel = "FILE", scope = ScopeType.INHERIT, order = 101,
            description = "File holding the Redis password (env INTEG_REDIS_PASSWORD_FILE; or INTEG_REDIS_PASSWORD).")
    Path redisPasswordFile;

    @Option(names = "--redis-ca-file", paramLabel = "FILE", scope = ScopeType.INHERIT, order = 102,
            description = "PEM file of CA certificates to trust for rediss:// (env INTEG_REDIS_CA_FILE).")
    Path redisCaFile;

    @Option(names = "--redis-client-cert", paramLabel = "FILE", scope = ScopeType.INHERIT, order = 103,
            description = "PEM client certificate for rediss:// (env INTEG_REDIS_CLIENT_CERT).")
    Path redisClientCert;

    @Option(names = "--redis-client-key", paramLabel = "FILE", scope = ScopeType.INHERIT, order = 104,
            description = "PEM (PKCS#8) key of the client certificate (env INTEG_REDIS_CLIENT_KEY).")
    Path redisClientKey;

    @Option(names = "--redis-min-replica-acks", paramLabel = "N", scope = ScopeType.INHERIT, order = 105,
            description = "Replicas that must confirm each credential, keyset and event write, else exit 4 "
                    + "(env INTEG_REDIS_MIN_REPLICA_ACKS; default: 1 on Sentinel and on a Cluster with replicas, 0 on one server).")
    String redisMinReplicaAcks;

    @Option(names = "--redis-ack-timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, order = 106,
            description = "How long a write waits for those replicas (env INTEG_REDIS_ACK_TIMEOUT; default: 2s).")
    String redisAckTimeout;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT, order = 107,
            description = "Config file (env INTEG_CONFIG; default: $XDG_CONFIG_HOME/integ/config.yaml).")
    Path config;

    @Option(names = "--namespace", paramLabel = "NS", scope = ScopeType.INHERIT, order = 108,
            description = "Prefix of every Redis key, so several setups can share a server (env INTEG_NAMESPACE; default: integ).")
    String namespace;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT, order = 109,
            completionCandidates = OutputFormats.class,
            description = "table or json (one document; streaming commands print JSON lines). Default: table.")
    String output;

    @Option(names = "--no-color", scope = ScopeType.INHERIT, order = 110,
            description = "No colors (also NO_COLOR or TERM=dumb); stdout and stderr are each colored only on a terminal.")
    boolean noColor;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, order = 111,
            description = "Print only results and errors.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, order = 112,
            description = "Show causes and stack traces of errors.")
    boolean verbose;

    public Flags flags() {
        return new Flags(redis, text(config), namespace, output, noColor, text(redisPasswordFile), text(redisCaFile),
                text(redisClientCert), text(redisClientKey), redisMinReplicaAcks, redisAckTimeout);
    }

    private static String text(Path path) {
        return path == null ? null : path.toString();
    }

    public boolean quiet() {
        return quiet;
    }

    public boolean verbose() {
        return verbose;
    }

    /** What -o offers to shell completion. */
    static final class OutputFormats implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("table", "json").iterator();
        }
    }

    private static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INTEG_REDIS_URL", "Redis URL, as --redis.");
        env.put("INTEG_REDIS_PASSWORD", "Redis password, so it never has to be in argv (a password in the URL wins).");
        env.put("INTEG_REDIS_PASSWORD_FILE", "File holding the Redis password.");
        env.put("INTEG_REDIS_CA_FILE, INTEG_REDIS_CLIENT_CERT, INTEG_REDIS_CLIENT_KEY", "TLS files, as the --redis-* options.");
        env.put("INTEG_REDIS_TIMEOUT", "Connect and read timeout for Redis (default 3s).");
        env.put("INTEG_REDIS_MIN_REPLICA_ACKS, INTEG_REDIS_ACK_TIMEOUT", "Replica acknowledgement of writes, as the --redis-* options.");
        env.put("INTEG_REDIS_SERVER", "redis-server (or valkey-server) binary for the embedded store; 'bundled' uses the fallback inside integ (default: redis-server, else valkey-server, on PATH, else bundled).");
        env.put("INTEG_CONFIG", "Config file, as --config.");
        env.put("INTEG_NAMESPACE", "Key namespace, as --namespace.");
        env.put("XDG_CONFIG_HOME", "Base of the default config file (default ~/.config).");
        env.put("XDG_DATA_HOME", "Base of the embedded store's data (default ~/.local/share).");
        env.put("SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_CLIENT_SECRET_FILE", "A provider's OAuth client (likewise GOOGLE_*, JIRA_*, and NAME_* for a custom provider).");
        env.put("BROWSER", "Program that opens the sign-in page for 'connect' (the URL is its one argument).");
        env.put("SSH_CONNECTION, DISPLAY, WAYLAND_DISPLAY", "Over SSH or without a display (and no BROWSER), 'connect' asks for the redirected address instead.");
        env.put("NO_COLOR", "When set, no colors.");
        return env;
    }
}
