package dev.integ;

import dev.integ.api.DriveFiles;
import dev.integ.api.JiraIssues;
import dev.integ.api.ProviderApi;
import dev.integ.api.SlackMessages;
import dev.integ.api.RawCalls;
import dev.integ.api.Verification;
import dev.integ.config.Environment;
import dev.integ.config.Flags;
import dev.integ.config.Settings;
import dev.integ.core.IntegException;
import dev.integ.doctor.AuditProbe;
import dev.integ.doctor.Doctor;
import dev.integ.events.ChainKey;
import dev.integ.events.ChainVerifier;
import dev.integ.events.EventAnchor;
import dev.integ.events.EventLog;
import dev.integ.events.EventReader;
import dev.integ.events.IntegrityEvents;
import dev.integ.events.RedisEventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.events.UserHasher;
import dev.integ.http.OutboundHttp;
import dev.integ.http.OutboundPolicy;
import dev.integ.keys.AdminLock;
import dev.integ.vault.FirstRunKeys;
import dev.integ.keys.IntegrityAlarm;
import dev.integ.oauth.AccessTokens;
import dev.integ.oauth.BrowserOpener;
import dev.integ.oauth.ConnectFlow;
import dev.integ.oauth.PollClock;
import dev.integ.oauth.ProviderClients;
import dev.integ.providers.RefreshTokenForesight;
import dev.integ.oauth.Revocation;
import dev.integ.providers.ProviderCatalog;
import dev.integ.vault.KeyRotation;
import dev.integ.keys.Keyring;
import dev.integ.keys.KeysetLease;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.keys.MasterKey;
import dev.integ.keys.MasterKeyRotation;
import dev.integ.ratelimit.RateLimitReset;
import dev.integ.ratelimit.RedisRateLimiter;
import dev.integ.store.EmbeddedRedis;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisServerBinary;
import dev.integ.store.RedisStore;
import dev.integ.store.StoreAdmin;
import dev.integ.store.StoreConnector;
import dev.integ.store.StoreDescription;
import dev.integ.vault.CredentialStore;
import dev.integ.vault.CredentialVault;
import redis.clients.jedis.exceptions.JedisException;
import dev.integ.store.StoreSettings;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The composition root: builds integ's services from the settings of one invocation. Nothing is
 * built (no config read, no connection opened) until a command asks for it, so --help and
 * --version stay fast. Tests construct it with their own environment.
 */
public final class Services implements AutoCloseable {
    private final Environment env;
    private final PollClock pollClock;
    private Supplier<Flags> flags = () -> Flags.NONE;
    private final Clock clock = Clock.systemUTC();
    private final String correlation = newCorrelationId();
    // built on first use, by synchronized getters: refresh --all's workers ask for them at the same time,
    // and two ProviderClients would discover a provider twice (plain fields, not lambdas: every command,
    // --version included, builds a Services, and each lambda costs start-up time)
    private Settings settings;
    private ProviderCatalog providers;
    private RedisStore store;
    private CredentialVault vault;
    private UserHasher userHasher;
    private IntegrityAlarm integrityAlarm;
    private ChainKey chainKey;
    private RedisEventLog events;
    private ProviderClients providerClients;
    private FirstRunKeys firstRunKeys;
    private Consumer<String> notices = message -> { };
    /** A first command waits this long for a `keys` job (or another first command) to finish setting up. */
    private static final Duration FIRST_RUN_LOCK_WAIT = Duration.ofSeconds(20);

    public Services(Environment env) {
        this(env, PollClock.REAL);
    }

    /** @param pollClock what polling loops (the device grant's) wait with: tests pass a virtual one */
    public Services(Environment env, PollClock pollClock) {
        this.env = env;
        this.pollClock = pollClock;
    }

    /** Called once picocli has parsed the command line. */
    public void useFlags(Supplier<Flags> flags) {
        this.flags = flags;
    }

    public Environment environment() {
        return env;
    }

    public Flags flags() {
        return flags.get();
    }

    public synchronized Settings settings() {
        if (settings == null) {
            Settings resolved = Settings.resolve(flags.get(), env);
            // checked with the rest of the settings: a typo under providers: fails every command, not only connect
            providers = ProviderCatalog.from(resolved.providerEntries());
            settings = resolved;
        }
        return settings;
    }

    /**
     * The output format. A broken config file must not stop doctor from reporting it, so this falls
     * back to a table when only the config file could have said otherwise.
     */
    public Settings.Output output() {
        if (flags.get().output() != null) {
            return Settings.output(flags.get().output());
        }
        try {
            return settings().output();
        } catch (IntegException brokenConfig) {
            return Settings.Output.TABLE;
        }
    }

    /** The store for this invocation, opened (and the embedded one started) on first use. */
    public synchronized RedisStore store() {
        if (store == null) {
            store = open(settings());
        }
        return store;
    }

    /** Explains a Redis failure in terms of the store this invocation uses. */
    public synchronized IntegException storeFailure(JedisException e) {
        StoreDescription where = store != null ? store.description()
                : new StoreDescription("redis", "(not yet connected)", "unknown", null);
        return StoreConnector.translate(e, where);
    }

    public Doctor doctor() {
        return new Doctor(this::open, this::keyring, this::auditProbe, this::dyingCredentials, clock);
    }

    /** Credentials whose refresh token ends within a week, on {@code store}, read without keys (doctor's store). */
    private List<RefreshTokenForesight.Dying> dyingCredentials(ProviderCatalog providers, RedisStore store) {
        CredentialStore credentials = new CredentialStore(store.redis(), store.keys(), store.acks());
        return RefreshTokenForesight.of(providers).scan(each -> CredentialVault.scanMetadata(credentials, each), clock.instant(),
                RefreshTokenForesight.WARN_WITHIN);
    }

    /** Credentials whose refresh token ends within {@code within}; empty when this Redis user may not read credentials. */
    public Optional<List<RefreshTokenForesight.Dying>> dyingCredentials(Duration within) {
        RedisStore s = store();
        CredentialStore credentials = new CredentialStore(s.redis(), s.keys(), s.acks());
        return RefreshTokenForesight.of(providers()).scanIfPermitted(each -> CredentialVault.scanMetadata(credentials, each),
                clock.instant(), within);
    }

    public RefreshTokenForesight refreshTokenForesight() {
        return RefreshTokenForesight.of(providers());
    }

    /** doctor's proof that events can be written and read back, on the store doctor opened itself. */
    private AuditProbe auditProbe(Settings settings, RedisStore store) {
        MasterKey master;
        try {
            master = masterKey(settings);
        } catch (IntegException none) {
            return AuditProbe.withoutMasterKey(store.keys().events(), "no master key configured");
        }
        if (!master.exists()) {
            return settings.masterKey().createdOnFirstUse()
                    ? AuditProbe.beforeFirstUse(store.keys().events(), master.describe() + " not created yet")
                    : AuditProbe.withoutMasterKey(store.keys().events(), master.describe() + " not created yet");
        }
        UserHasher hasher = new UserHasher(store.redis(), store.keys(), () -> masterKey(settings));
        return new AuditProbe(eventLog(settings, store, hasher), eventReader(settings, store, hasher), store.keys().events());
    }

    public StoreAdmin storeAdmin() {
        Settings s = settings();
        return new StoreAdmin(s.store(), embedded(s.store()), () -> store());
    }

    /**
     * The master key this invocation's settings name; "a human must act" when a shared store has none.
     * The embedded store's own key file is created the first time it is needed.
     */
    public MasterKey masterKey() {
        Settings.MasterKeySetting setting = settings().masterKey();
        return setting.createdOnFirstUse() ? firstRunKeys().masterKey(setting.source()) : masterKey(settings());
    }

    /** Told what the user should know once, such as where a master key was just created (the CLI prints it on stderr). */
    public void useNotices(Consumer<String> notices) {
        this.notices = notices;
    }

    /** The embedded store's zero set-up: its master key and data keyset are made by the first command that needs them. */
    private synchronized FirstRunKeys firstRunKeys() {
        if (firstRunKeys == null) {
            RedisStore s = store();
            firstRunKeys = new FirstRunKeys(s.redis(), s.keys(), settings().masterKey().file().orElseThrow(), this::events,
                    () -> AdminLock.acquire(s.redis(), s.keys().keysLock(), FIRST_RUN_LOCK_WAIT), message -> notices.accept(message));
        }
        return firstRunKeys;
    }

    private static MasterKey masterKey(Settings settings) {
        Settings.MasterKeySetting setting = settings.masterKey();
        Path file = setting.file().orElseThrow(() -> IntegException.humanAction(
                "no master key configured for " + settings.store().target().map(t -> t.display()).orElse("this store"),
                "a shared Redis needs the same master key on every machine that uses it",
                "set INTEG_MASTER_KEY_FILE or vault.master-key-file ('integ keys init' creates the file)"));
        return new KeysetFileMasterKey(file, setting.source());
    }

    /** The data keyset as `keys` jobs see it: never created behind their back (they take the `keys` lock themselves). */
    public Keyring keyring() {
        return new Keyring(store().redis(), store().keys(), masterKey(), clock, integrityAlarm(), store().acks());
    }

    /** The keyset credentials are sealed with; on the embedded store the first one to need it creates it. */
    private Keyring vaultKeyring() {
        Keyring keyring = keyring();
        return settings().masterKey().createdOnFirstUse() ? keyring.createdOnFirstUse(firstRunKeys()::createKeyset) : keyring;
    }

    /** doctor's keyring: what it finds damaged is recorded in the store it examines. */
    private Keyring keyring(Settings settings, RedisStore store) {
        UserHasher hasher = new UserHasher(store.redis(), store.keys(), () -> masterKey(settings));
        return new Keyring(store.redis(), store.keys(), masterKey(settings), clock,
                new IntegrityEvents(() -> eventLog(settings, store, hasher)), store.acks());
    }

    /** A damaged or undecryptable keyset or HMAC key, or an unusable master key, becomes an integrity.failure event. */
    private synchronized IntegrityAlarm integrityAlarm() {
        if (integrityAlarm == null) {
            integrityAlarm = new IntegrityEvents(this::events);
        }
        return integrityAlarm;
    }

    /** The vault; its data keys are loaded (and the master key read) on first use, not before. */
    public synchronized CredentialVault vault() {
        if (vault == null) {
            RedisStore s = store();
            // the master key is read only when a record is sealed or opened: forget and an empty list need none
            vault = new CredentialVault(new CredentialStore(s.redis(), s.keys(), s.acks()), KeysetLease.of(vaultKeyring()), clock, events());
        }
        return vault;
    }

    public RedisRateLimiter rateLimiter() {
        RedisStore s = store();
        return new RedisRateLimiter(s.redis(), s.keys(), settings().rateLimits());
    }

    public RateLimitReset rateLimitReset() {
        return new RateLimitReset(rateLimiter(), events());
    }

    /** Every provider call goes through this: permits from the shared limiter, timeouts, safe retries. */
    public OutboundHttp outboundHttp() {
        // a denial is recorded quietly: the caller is told either way, and the event log being down must not mask it
        return new OutboundHttp(rateLimiter(), OutboundPolicy.DEFAULTS, (provider, user, level, retryAfter) -> events().recordQuietly(
                SecurityEvent.failure("ratelimit.denied", provider, user,
                        Map.of("level", level, "retry_after_ms", Long.toString(retryAfter.toMillis()))), notRecorded -> { }));
    }

    /** The built-in providers with the config file's overrides, and the custom ones. */
    public synchronized ProviderCatalog providers() {
        settings();
        return providers;
    }

    /** Built on first use: a fresh token is handed out without an HTTP client ever being made. */
    public synchronized ProviderClients providerClients() {
        if (providerClients == null) {
            providerClients = new ProviderClients(providers(), env, outboundHttp(), clock);
        }
        return providerClients;
    }

    public ConnectFlow connectFlow() {
        return new ConnectFlow(providerClients(), vault(), events(), new BrowserOpener(env), clock, pollClock);
    }

    /** Valid tokens and single-flight refreshes; a refresh waits up to 45 s for another process's refresh of the same credential. */
    public AccessTokens accessTokens() {
        RedisStore s = store();
        return new AccessTokens(vault(), (provider, user) -> providerClients().open(provider, user).client(),
                AccessTokens.redisLocks(s.redis(), s.keys(), Duration.ofSeconds(45)), events(), clock);
    }

    /** Every call made with a stored credential: `integ api`, verify, and the Slack, Drive and Jira commands. */
    public ProviderApi providerApi() {
        return new ProviderApi(name -> providers().resolve(name), accessTokens(), outboundHttp(), events(), clock);
    }

    public Verification verification() {
        return new Verification(providerApi(), accessTokens(), vault());
    }

    public SlackMessages slackMessages() {
        return new SlackMessages(providerApi());
    }

    public DriveFiles driveFiles() {
        return new DriveFiles(providerApi());
    }

    public JiraIssues jiraIssues() {
        return new JiraIssues(providerApi(), vault());
    }

    public RawCalls rawCalls() {
        return new RawCalls(providerApi());
    }

    public Revocation revocation() {
        return new Revocation(vault(), name -> providers().resolve(name), (provider, user) -> providerClients().open(provider, user).client(),
                events());
    }

    /** @param lockWait how long a `keys` job waits for another one to finish */
    public KeyRotation keyRotation(Duration lockWait) {
        RedisStore s = store();
        return new KeyRotation(keyring(), vault(), () -> AdminLock.acquire(s.redis(), s.keys().keysLock(), lockWait));
    }

    /** `keys rotate-master`: every namespace of the store sealed by the master key moves with it. */
    public MasterKeyRotation masterKeyRotation(Duration lockWait) {
        RedisStore s = store();
        MasterKey master = masterKey();
        return new MasterKeyRotation(s.redis(), master, s.keys().namespace(), name -> {
            RedisKeys keys = new RedisKeys(name);
            return new MasterKeyRotation.Namespace(name, new Keyring(s.redis(), keys, master, clock), new UserHasher(s.redis(), keys, () -> master).sealed(),
                    new ChainKey(s.redis(), keys, () -> master).sealed(), under -> {
                        EventLog log = new RedisEventLog(s.redis(), keys, new UserHasher(s.redis(), keys,
                                () -> under), new ChainKey(s.redis(), keys, () -> under), EventAnchor.NONE, actor(), correlation, clock,
                                settings().events().retention(), settings().events().alerts()).acknowledgedBy(s.acks());
                        return (action, details) -> log.record(SecurityEvent.success(action, null, null, details));
                    },
                    wait -> AdminLock.acquire(s.redis(), keys.keysLock(), wait));
        }, lockWait, MasterKeyRotation.Steps.NONE);
    }

    /** This invocation's id, in every event it records. */
    public String correlation() {
        return correlation;
    }

    /** The user-name HMAC of the event log; the master key is read only when a user is first hashed. */
    public synchronized UserHasher userHasher() {
        if (userHasher == null) {
            RedisStore s = store();
            userHasher = new UserHasher(s.redis(), s.keys(), this::masterKey, integrityAlarm());
        }
        return userHasher;
    }

    /** The key that chains the event log (a separate key under the same master key). */
    public synchronized ChainKey chainKey() {
        if (chainKey == null) {
            RedisStore s = store();
            chainKey = new ChainKey(s.redis(), s.keys(), this::masterKey, integrityAlarm());
        }
        return chainKey;
    }

    /** Where commands record security events (fail closed: see {@link EventLog}). */
    public synchronized EventLog events() {
        if (events == null) {
            RedisStore s = store();
            events = new RedisEventLog(s.redis(), s.keys(), userHasher(), chainKey(), anchor(), actor(), correlation, clock,
                    settings().events().retention(), settings().events().alerts()).acknowledgedBy(s.acks());
        }
        return events;
    }

    /** An event log on {@code store} (doctor's): its own chain key under the same master key, no anchor file. */
    private EventLog eventLog(Settings settings, RedisStore store, UserHasher hasher) {
        return new RedisEventLog(store.redis(), store.keys(), hasher, actor(), correlation, clock,
                settings.events().retention(), settings.events().alerts()).acknowledgedBy(store.acks());
    }

    /** The anchor file of the chain head (events.anchor-file), or none. */
    public EventAnchor anchor() {
        return settings().events().anchorFile().map(f -> new EventAnchor(f, clock)).orElse(EventAnchor.NONE);
    }

    /** `events verify`: walks the chain against its head and the anchor file. */
    public ChainVerifier chainVerifier() {
        RedisStore s = store();
        return new ChainVerifier(s.redis(), s.keys(), chainKey(), anchor());
    }

    /** Queries, stats and tail of the event log; one blocking read lasts at most half the Redis timeout (and 1 s). */
    public EventReader eventReader() {
        return eventReader(settings(), store(), userHasher());
    }

    private static EventReader eventReader(Settings settings, RedisStore store, UserHasher hasher) {
        Duration block = settings.store().timeout().dividedBy(2);
        return new EventReader(store.redis(), store.keys(), hasher, block.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : block);
    }

    public Clock clock() {
        return clock;
    }

    /** The OS user and host running integ, as events name them. */
    static String actor() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException | SecurityException e) {
            host = "unknown";
        }
        return System.getProperty("user.name", "unknown") + "@" + host;
    }

    private static String newCorrelationId() {
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private RedisStore open(Settings s) {
        return StoreConnector.open(s.store(), new RedisKeys(s.namespace()), embedded(s.store()));
    }

    private EmbeddedRedis embedded(StoreSettings s) {
        return new EmbeddedRedis(s.embeddedDir(),
                () -> RedisServerBinary.locate(s.serverBinary(), env.get("PATH"), s.embeddedDir().resolveSibling("bin")));
    }

    @Override
    public synchronized void close() {
        if (events != null) {
            try {
                events.close(); // the last head into the anchor file
            } catch (RuntimeException unwritable) {
                // the first append of this process already checkpointed (or failed the command); the verify reads what is there
            }
        }
        if (store != null) {
            store.close();
        }
    }
}
