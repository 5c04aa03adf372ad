package dev.integ.doctor;

import dev.integ.config.ConfigFile;
import dev.integ.config.ConfigLoader;
import dev.integ.config.Environment;
import dev.integ.config.Flags;
import dev.integ.config.Settings;
import dev.integ.providers.ClientCredentials;
import dev.integ.providers.ProviderCatalog;
import dev.integ.providers.ProviderSpec;
import dev.integ.core.IntegException;
import dev.integ.keys.DataKeys;
import dev.integ.keys.Keyring;
import dev.integ.providers.RefreshTokenForesight;
import dev.integ.core.Durations;
import dev.integ.store.RedisKeys;
import dev.integ.store.RedisStore;
import dev.integ.store.StoreSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Checks that integ can work: configuration, the store (reachable, writable, persistent) and,
 * for the embedded store, its file permissions. It goes on past a failure so one run shows
 * everything that needs fixing.
 */
public final class Doctor {
    private final Function<Settings, RedisStore> openStore;
    private final BiFunction<Settings, RedisStore, Keyring> keyring;
    private final BiFunction<Settings, RedisStore, AuditProbe> audit;
    private final BiFunction<ProviderCatalog, RedisStore, List<RefreshTokenForesight.Dying>> dying;

    private final Clock clock;

    /** @param dying the credentials whose refresh token ends within {@link RefreshTokenForesight#WARN_WITHIN} */
    public Doctor(Function<Settings, RedisStore> openStore, BiFunction<Settings, RedisStore, Keyring> keyring,
                  BiFunction<Settings, RedisStore, AuditProbe> audit, BiFunction<ProviderCatalog, RedisStore, List<RefreshTokenForesight.Dying>> dying,
                  Clock clock) {
        this.openStore = openStore;
        this.keyring = keyring;
        this.audit = audit;
        this.dying = dying;
        this.clock = clock;
    }

    public DoctorReport examine(Flags flags, Environment env) {
        List<Check> checks = new ArrayList<>();
        Path configPath = Settings.configPath(flags, env);
        // Bad flags or environment are usage errors, as for every command; only what the config file
        // says becomes a failed check, so a broken file does not hide the rest of the report.
        Settings.resolve(flags, env, configPath, ConfigFile.EMPTY);
        ConfigFile config;
        try {
            config = ConfigLoader.load(configPath, Settings.configNamed(flags, env));
            checks.add(Check.ok("config", config == ConfigFile.EMPTY && !configPath.toFile().exists()
                    ? "no file at " + configPath + "; using flags, environment and defaults"
                    : "read " + configPath));
        } catch (IntegException e) {
            checks.add(Check.fail("config", e.getMessage(), e.hint()));
            config = ConfigFile.EMPTY;
        }

        Settings settings;
        ProviderCatalog providers;
        try {
            settings = Settings.resolve(flags, env, configPath, config);
            providers = ProviderCatalog.from(settings.providerEntries());
        } catch (IntegException e) {
            checks.add(Check.fail("settings", e.getMessage(), e.hint()));
            return new DoctorReport("unknown", checks);
        }

        StoreSettings storeSettings = settings.store();
        String planned = storeSettings.description().summary();
        try (RedisStore store = openStore.apply(settings)) {
            StoreProbes health = new StoreProbes(store);
            Check reachable = health.reachability();
            checks.add(reachable);
            if (reachable.status() == Check.Status.FAIL) {
                return new DoctorReport(store.description().summary(), checks);
            }
            health.maintenance().ifPresent(checks::add);
            checks.add(health.writability());
            checks.add(audit.apply(settings, store).check());
            checks.add(health.persistence());
            checks.add(new ReplicationProbe(store).check());
            if (store.description().embedded()) {
                checks.add(health.privateFiles(storeSettings.embeddedDir()));
            }
            checks.add(Check.ok("namespace", "keys live under '" + new RedisKeys(settings.namespace()).namespace() + ":'"));
            checks.add(keyset(settings, store));
            checks.add(refreshTokens(providers, store));
            secretFiles(providers, env).ifPresent(checks::add);
            checks.add(providers(providers, env));
            return new DoctorReport(store.description().summary(), checks);
        } catch (IntegException e) {
            checks.add(Check.fail("store", e.getMessage(), e.hint()));
            secretFiles(providers, env).ifPresent(checks::add);
            checks.add(providers(providers, env));
            return new DoctorReport(planned, checks);
        }
    }

    /** Client secret files that connect would refuse (open to group or others, or unreadable); none when no secret is in a file. */
    private static Optional<Check> secretFiles(ProviderCatalog providers, Environment env) {
        List<String> fine = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> loose = new ArrayList<>();
        for (ProviderSpec spec : providers.all()) {
            Optional<Path> file = ClientCredentials.secretFile(spec, env);
            if (file.isEmpty()) {
                continue;
            }
            try {
                if (ClientCredentials.openToOthers(file.get())) {
                    problems.add(file.get() + " (" + spec.name() + ") is readable by others");
                    loose.add(file.get().toString());
                } else {
                    fine.add(spec.name());
                }
            } catch (IOException e) {
                problems.add("cannot read " + file.get() + " (" + spec.name() + "): " + e.getClass().getSimpleName());
            }
        }
        if (!problems.isEmpty()) {
            return Optional.of(Check.fail("secrets", String.join("; ", problems) + "; connect refuses such a file",
                    loose.isEmpty() ? "check the path and its permissions" : "run: chmod 600 " + String.join(" ", loose)));
        }
        return fine.isEmpty() ? Optional.empty()
                : Optional.of(Check.ok("secrets", "client secret files are private to their owner: " + String.join(", ", fine)));
    }

    /** Which providers can sign users in: their client settings are all there (nothing is contacted). */
    private static Check providers(ProviderCatalog providers, Environment env) {
        List<String> ready = new ArrayList<>();
        List<String> notReady = new ArrayList<>();
        for (ProviderSpec spec : providers.all()) {
            (ClientCredentials.missing(spec, env).isEmpty() ? ready : notReady).add(spec.name());
        }
        if (ready.isEmpty()) {
            return Check.warn("providers", "none has its client id and secret yet", "'integ providers' names what each one needs");
        }
        return Check.ok("providers", "ready: " + String.join(", ", ready)
                + (notReady.isEmpty() ? "" : "; not configured: " + String.join(", ", notReady)));
    }

    /** Credentials that stop working within a week unless someone acts (only dates are read: no key is needed). */
    private Check refreshTokens(ProviderCatalog providers, RedisStore store) {
        List<RefreshTokenForesight.Dying> soon = dying.apply(providers, store);
        if (soon.isEmpty()) {
            return Check.ok("expiry", "no refresh token ends within " + Durations.format(RefreshTokenForesight.WARN_WITHIN));
        }
        List<String> named = soon.stream().limit(3).map(d -> d.describe(clock.instant())).toList();
        return Check.warn("expiry", soon.size() + " credential" + (soon.size() == 1 ? "" : "s") + " stop working within "
                        + Durations.format(RefreshTokenForesight.WARN_WITHIN) + ": " + String.join("; ", named)
                        + (soon.size() > named.size() ? "; and " + (soon.size() - named.size()) + " more" : ""),
                "'integ list' shows each REFRESH date; 'integ refresh --all --keep-alive' refreshes those a refresh keeps alive");
    }

    /** The data keyset decrypts under the configured master key; no record is read. */
    private Check keyset(Settings settings, RedisStore store) {
        if (!store.redis().exists(store.keys().keyset())) {
            String master;
            try {
                Keyring ring = keyring.apply(settings, store);
                master = "master key: " + ring.master().describe() + (ring.master().exists() ? "" : ", not created yet");
            } catch (IntegException noMasterKey) {
                master = "no master key configured: set INTEG_MASTER_KEY_FILE or vault.master-key-file";
            }
            return Check.warn("keyset", "not set up yet (" + master + ")", settings.masterKey().createdOnFirstUse()
                    ? "nothing to do: the first command that stores a credential creates it" : "run 'integ keys init' before storing credentials");
        }
        try {
            Keyring ring = keyring.apply(settings, store);
            DataKeys keys = ring.load();
            return Check.ok("keyset", keys.keys().size() + " data key" + (keys.keys().size() == 1 ? "" : "s") + ", primary "
                    + DataKeys.hex(keys.primaryId()) + ", under master key " + ring.master().describe());
        } catch (IntegException e) {
            return Check.fail("keyset", e.getMessage(), e.hint());
        }
    }
}
