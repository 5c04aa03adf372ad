package dev.integ.config;

import dev.integ.core.Durations;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;
import dev.integ.core.ProviderName;
import dev.integ.core.SecretFiles;
import dev.integ.events.AlertRules;
import dev.integ.events.RedisEventLog;
import dev.integ.ratelimit.Limit;
import dev.integ.ratelimit.RateLimits;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisTarget;
import dev.integ.store.RedisUrlParser;
import dev.integ.store.ReplicaAcks;
import dev.integ.store.StoreSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one invocation runs with. This is the one place that applies integ's precedence:
 * <b>flag &gt; environment variable &gt; config file &gt; built-in default</b>.
 *
 * <p>The config file's {@code providers:} entries are kept as written: {@code providers.ProviderCatalog}
 * (a layer above config) checks them, as soon as the settings are read ({@code Services.settings()},
 * doctor), so a typo still fails every command at once.
 */
public record Settings(Path configPath, boolean configPresent, String namespace, Output output, StoreSettings store,
                       MasterKeySetting masterKey, RateLimits rateLimits, EventSettings events,
                       Map<String, ConfigFile.Provider> providerEntries, Duration retireGrace) {
    /** How long a data key marked retiring stays before `keys retire` may delete it (vault.retire-grace, INTEG_RETIRE_GRACE). */
    public static final Duration DEFAULT_RETIRE_GRACE = Duration.ofMinutes(15);

    /** Retention and alert thresholds of the security event log. */
    public record EventSettings(RedisEventLog.Retention retention, AlertRules alerts, Optional<Path> anchorFile) {
    }

    /**
     * Where the master key (the key that encrypts the data keyset) comes from.
     *
     * @param file   the Tink keyset file, if one is configured or implied
     * @param source what named it: "INTEG_MASTER_KEY_FILE", the config file, or "default" (the embedded store's own)
     */
    public record MasterKeySetting(Optional<Path> file, String source) {
        /** The embedded store's own key: created by the first command that needs it (a configured one never is). */
        public boolean createdOnFirstUse() {
            return "default".equals(source) && file.isPresent();
        }
    }

    public static final String DEFAULT_NAMESPACE = "integ";
    public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofSeconds(3);
    /** A sanity bound; doctor says when the replicas connected are fewer than the setting asks for. */
    static final int MAX_REPLICA_ACKS = 16;

    public enum Output { TABLE, JSON }

    /** Where the config file is looked for, and whether the user named it (then it must exist). */
    public static Path configPath(Flags flags, Environment env) {
        return Optional.ofNullable(flags.configFile()).or(() -> env.get("INTEG_CONFIG")).map(Path::of)
                .orElseGet(() -> env.configDir().resolve("config.yaml"));
    }

    public static boolean configNamed(Flags flags, Environment env) {
        return flags.configFile() != null || env.get("INTEG_CONFIG").isPresent();
    }

    public static Settings resolve(Flags flags, Environment env) {
        Path path = configPath(flags, env);
        return resolve(flags, env, path, ConfigLoader.load(path, configNamed(flags, env)));
    }

    /** Resolves against an already loaded config file (doctor uses this to go on past a broken one). */
    public static Settings resolve(Flags flags, Environment env, Path configPath, ConfigFile config) {
        ConfigFile.Redis redis = config.redisOrEmpty();
        String configName = "config " + configPath;

        String namespace = RedisKeys.validNamespace(first(flags.namespace(), env.get("INTEG_NAMESPACE").orElse(null),
                config.namespace(), DEFAULT_NAMESPACE));
        Output output = output(first(flags.output(), config.output(), "table"));

        Optional<RedisTarget> target = Optional.empty();
        String source = "default";
        if (flags.redisUrl() != null) {
            target = Optional.of(RedisUrlParser.parse(flags.redisUrl()));
            source = "--redis";
        } else if (env.get("INTEG_REDIS_URL").isPresent()) {
            target = Optional.of(RedisUrlParser.parse(env.get("INTEG_REDIS_URL").get()));
            source = "INTEG_REDIS_URL";
        } else if (redis.url() != null) {
            target = Optional.of(RedisUrlParser.parse(redis.url()));
            source = configName;
        }

        Optional<String> password = Optional.ofNullable(flags.redisPasswordFile()).map(f -> readPassword(Path.of(f), "--redis-password-file"))
                .or(() -> env.get("INTEG_REDIS_PASSWORD"))
                .or(() -> env.get("INTEG_REDIS_PASSWORD_FILE").map(f -> readPassword(Path.of(f), "INTEG_REDIS_PASSWORD_FILE")))
                .or(() -> Optional.ofNullable(redis.passwordFile()).map(f -> readPassword(Path.of(f), configName)));

        Duration timeout = Optional.ofNullable(first(env.get("INTEG_REDIS_TIMEOUT").orElse(null), redis.timeout(), null))
                .map(Durations::parse).orElse(DEFAULT_REDIS_TIMEOUT);
        if (timeout.isZero()) {
            throw IntegException.usage("invalid Redis timeout '0s'", "it must be longer than zero", null);
        }

        StoreSettings store = new StoreSettings(target, source, password,
                path(flags.redisCaFile(), env, "INTEG_REDIS_CA_FILE", redis.caFile()),
                path(flags.redisClientCert(), env, "INTEG_REDIS_CLIENT_CERT", redis.clientCert()),
                path(flags.redisClientKey(), env, "INTEG_REDIS_CLIENT_KEY", redis.clientKey()),
                timeout, env.dataDir().resolve("redis"), env.get("INTEG_REDIS_SERVER"), replicaAcks(flags, env, redis, configName));
        return new Settings(configPath, config != ConfigFile.EMPTY || Files.exists(configPath), namespace, output, store,
                masterKey(env, config, configName, store), rateLimits(config), events(config.events(), env),
                config.providers() == null ? Map.of() : config.providers(),
                Optional.ofNullable(first(env.get("INTEG_RETIRE_GRACE").orElse(null), config.vaultOrEmpty().retireGrace(), null))
                        .map(Durations::parse).orElse(DEFAULT_RETIRE_GRACE));
    }

    /** redis.min-replica-acks (a count; unset: the topology's default) and redis.ack-timeout. */
    private static ReplicaAcks.Setting replicaAcks(Flags flags, Environment env, ConfigFile.Redis redis, String configName) {
        String acks = flags.redisMinReplicaAcks();
        String acksFrom = "--redis-min-replica-acks";
        if (acks == null && env.get("INTEG_REDIS_MIN_REPLICA_ACKS").isPresent()) {
            acks = env.get("INTEG_REDIS_MIN_REPLICA_ACKS").get();
            acksFrom = "INTEG_REDIS_MIN_REPLICA_ACKS";
        } else if (acks == null && redis.minReplicaAcks() != null) {
            acks = redis.minReplicaAcks();
            acksFrom = configName;
        }
        Integer replicas = null;
        if (acks != null) {
            try {
                replicas = Integer.parseInt(acks.trim());
            } catch (NumberFormatException e) {
                replicas = -1;
            }
            if (replicas < 0 || replicas > MAX_REPLICA_ACKS) {
                throw IntegException.usage("invalid redis.min-replica-acks '" + Echo.of(acks) + "' (from " + acksFrom + ")",
                        "give a number of replicas from 0 to " + MAX_REPLICA_ACKS, "0 writes without waiting for any replica");
            }
        }
        String timeoutText = first(flags.redisAckTimeout(), env.get("INTEG_REDIS_ACK_TIMEOUT").orElse(null), redis.ackTimeout(), null);
        Duration timeout = timeoutText == null ? ReplicaAcks.DEFAULT_TIMEOUT : Durations.parse(timeoutText);
        if (timeout.isZero()) {
            // WAIT with 0 blocks forever
            throw IntegException.usage("invalid redis.ack-timeout '" + Echo.of(timeoutText) + "'", "it must be longer than zero", null);
        }
        return new ReplicaAcks.Setting(replicas, timeout, replicas == null ? "default" : acksFrom);
    }

    private static EventSettings events(ConfigFile.Events e, Environment env) {
        Optional<Path> anchor = env.get("INTEG_EVENTS_ANCHOR_FILE").or(() -> Optional.ofNullable(e == null ? null : e.anchorFile()))
                .filter(f -> !f.isBlank()).map(Path::of);
        if (e == null) {
            return new EventSettings(RedisEventLog.Retention.DEFAULTS, AlertRules.DEFAULTS, anchor);
        }
        long keep = positive(e.keep(), RedisEventLog.DEFAULT_MAX_EVENTS, "events.keep");
        Duration keepFor = e.keepFor() == null ? RedisEventLog.DEFAULT_MAX_AGE : Durations.parse(e.keepFor());
        if (keepFor.isZero()) {
            throw IntegException.usage("invalid events.keep-for '" + Echo.of(e.keepFor()) + "'", "it must be longer than zero", null);
        }
        AlertRules d = AlertRules.DEFAULTS;
        long rate = positive(e.maxFailureRatePercent(), d.failureRatePercent(), "events.max-failure-rate-percent");
        if (rate > 100) {
            throw IntegException.usage("invalid events.max-failure-rate-percent " + rate, "give a percentage from 1 to 100", null);
        }
        return new EventSettings(new RedisEventLog.Retention(keep, keepFor), new AlertRules(
                (int) positive(e.maxActionsPerHour(), d.maxEventsPerHour(), "events.max-actions-per-hour"),
                (int) positive(e.maxFailuresPer15m(), d.maxFailuresPerWindow(), "events.max-failures-per-15m"),
                (int) rate,
                (int) positive(e.failureRateMinEvents(), d.failureRateMinEvents(), "events.failure-rate-min-events")), anchor);
    }

    private static long positive(Number value, long fallback, String setting) {
        if (value == null) {
            return fallback;
        }
        if (value.longValue() <= 0) {
            throw IntegException.usage("invalid " + setting + " " + value, "it must be a positive number", null);
        }
        return value.longValue();
    }

    /** Checked at start-up, so a bad limit fails every command at once rather than the first provider call. */
    private static RateLimits rateLimits(ConfigFile config) {
        Map<String, RateLimits.Pair> limits = new HashMap<>();
        if (config.rateLimits() != null) {
            config.rateLimits().forEach((provider, entry) -> {
                ProviderName.require(provider, "rate-limits");
                if (entry == null) {
                    throw IntegException.usage("rate-limits." + provider + " is empty", "give per-user and/or overall, e.g. 50/1m", null);
                }
                limits.put(provider, new RateLimits.Pair(
                        entry.perUser() == null ? null : Limit.parse(entry.perUser(), "rate-limits." + provider + ".per-user"),
                        entry.overall() == null ? null : Limit.parse(entry.overall(), "rate-limits." + provider + ".overall")));
            });
        }
        return new RateLimits(limits);
    }

    /** The embedded store keeps its master key beside its data; a shared Redis needs one named explicitly. */
    private static MasterKeySetting masterKey(Environment env, ConfigFile config, String configName, StoreSettings store) {
        if (env.get("INTEG_MASTER_KEY_FILE").isPresent()) {
            return new MasterKeySetting(env.get("INTEG_MASTER_KEY_FILE").map(Path::of), "INTEG_MASTER_KEY_FILE");
        }
        if (config.vaultOrEmpty().masterKeyFile() != null) {
            return new MasterKeySetting(Optional.of(Path.of(config.vaultOrEmpty().masterKeyFile())), configName);
        }
        if (store.embedded()) {
            return new MasterKeySetting(Optional.of(env.dataDir().resolve("master-key.json")), "default");
        }
        return new MasterKeySetting(Optional.empty(), "none");
    }

    public static Output output(String value) {
        try {
            return Output.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw IntegException.usage("invalid output format '" + Echo.of(value) + "'", "expected table or json", null);
        }
    }

    private static Optional<Path> path(String flag, Environment env, String variable, String fromConfig) {
        return Optional.ofNullable(first(flag, env.get(variable).orElse(null), fromConfig, null)).map(Path::of);
    }

    private static String readPassword(Path file, String from) {
        try {
            // the same rule as the master key and client secret files: private to its owner, or refused
            return SecretFiles.read(file, "Redis password file", from);
        } catch (IOException e) {
            throw IntegException.usage("cannot read the Redis password file " + file + " (from " + from + ")",
                    e.getClass().getSimpleName(), "check the path and its permissions");
        }
    }

    @SafeVarargs
    private static <T> T first(T... candidates) {
        for (T candidate : candidates) {
            if (candidate != null) {
                return candidate;
            }
        }
        return null;
    }
}
