package dev.integ.vault;

import dev.integ.events.EventLog;
import dev.integ.events.SecurityEvent;
import dev.integ.keys.AdminLock;
import dev.integ.keys.DataKeys;
import dev.integ.keys.Keyring;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.store.RedisKeys;
import redis.clients.jedis.UnifiedJedis;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Zero set-up on the embedded store: nobody has to run `keys init` there, because the first command
 * that needs the master key creates its file (with the store's own data), and the first one that
 * needs the data keyset creates it, as `keys init` would. A shared Redis still needs a master key
 * named explicitly: every machine must use the same one, so none may make its own.
 * <p>
 * Safe when several first commands run at once: the file is created whole and only if absent (a hard
 * link), so one process writes it and the others use it; the keyset is created under the `keys` lock
 * and by compare-and-set on version 0, so exactly one is stored and recorded.
 * <p>
 * A missing file is a first run only while the namespace holds nothing sealed under a master key
 * (keyset, event log keys). Otherwise the key was lost, and making a new one would hide that: the
 * command fails as before, asking for the file to be restored.
 */
public final class FirstRunKeys {
    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final Path masterKeyFile;
    private final Supplier<EventLog> events;
    private final Supplier<AdminLock> lock;
    private final Consumer<String> notice;

    /**
     * @param events where creating the keyset is recorded (before it is created, as every key change)
     * @param lock   the `keys` lock, so a first command and a `keys` job never create a keyset each
     * @param notice told once, by the process that created the master key: where it is and why to back it up
     */
    public FirstRunKeys(UnifiedJedis redis, RedisKeys keys, Path masterKeyFile, Supplier<EventLog> events, Supplier<AdminLock> lock,
                        Consumer<String> notice) {
        this.redis = redis;
        this.keys = keys;
        this.masterKeyFile = masterKeyFile;
        this.events = events;
        this.lock = lock;
        this.notice = notice;
    }

    /** The embedded store's master key: its file is created the first time it is needed. */
    public KeysetFileMasterKey masterKey(String namedBy) {
        return new KeysetFileMasterKey(masterKeyFile, namedBy, this::createMasterKey);
    }

    private void createMasterKey() {
        if (holdsSealedKeys()) {
            return; // lost, not new: KeysetFileMasterKey names the missing file
        }
        if (new KeysetFileMasterKey(masterKeyFile, "default").createIfMissing()) {
            notice.accept("created the embedded store's master key at " + masterKeyFile + " (it encrypts every stored credential; "
                    + "back it up apart from the store: without it nothing stored can be decrypted, and integ cannot make it again)");
        }
    }

    /** Key material sealed under some master key, in this namespace: then a missing key file was lost. */
    private boolean holdsSealedKeys() {
        // one key per call: on a Cluster these live in different slots
        return redis.exists(keys.keyset()) || redis.exists(keys.eventsChainKey()) || redis.exists(keys.eventsMacKey());
    }

    /** The data keyset, created now if there is none yet (another process may win: then its keyset is the one). */
    public DataKeys createKeyset(Keyring keyring) {
        try (AdminLock held = lock.get()) {
            Optional<DataKeys> there = keyring.loadIfPresent();
            if (there.isPresent()) {
                return there.get();
            }
            events.get().record(SecurityEvent.success("keys.init", null, null,
                    Map.of("master", keyring.master().describe(), "first_use", "true")));
            return keyring.create().keys();
        }
    }
}
