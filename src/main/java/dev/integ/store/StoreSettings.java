package dev.integ.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where integ keeps its data, resolved from flags, environment and config.
 *
 * @param target       the configured Redis, or empty for the embedded default
 * @param source       where the target came from, for doctor and error messages ("--redis", "INTEG_REDIS_URL", config path)
 * @param password     the password from INTEG_REDIS_PASSWORD or a password file, if any (the URL's own wins)
 * @param embeddedDir  where the embedded store lives
 * @param acks         how many replicas must confirm a credential, keyset or event write, and how long to wait
 */
public record StoreSettings(Optional<RedisTarget> target, String source, Optional<String> password,
                            Optional<Path> caFile, Optional<Path> clientCert, Optional<Path> clientKey,
                            Duration timeout, Path embeddedDir, Optional<String> serverBinary, ReplicaAcks.Setting acks) {

    /** With the default replica acknowledgement. */
    public StoreSettings(Optional<RedisTarget> target, String source, Optional<String> password,
                         Optional<Path> caFile, Optional<Path> clientCert, Optional<Path> clientKey,
                         Duration timeout, Path embeddedDir, Optional<String> serverBinary) {
        this(target, source, password, caFile, clientCert, clientKey, timeout, embeddedDir, serverBinary, ReplicaAcks.Setting.DEFAULT);
    }

    public RedisTarget.Topology topology() {
        return target.map(RedisTarget::topology).orElse(RedisTarget.Topology.STANDALONE);
    }

    public boolean embedded() {
        return target.isEmpty();
    }

    /** The store these settings name, described before anything is opened (the embedded one without its address). */
    public StoreDescription description() {
        return target.map(t -> new StoreDescription(t.topology().name().toLowerCase(Locale.ROOT), t.display(), source, null))
                .orElseGet(() -> new StoreDescription("embedded", null, "default", embeddedDir.toString()));
    }

    @Override
    public String toString() {
        return "StoreSettings[" + target.map(RedisTarget::display).orElse("embedded " + embeddedDir) + "]";
    }
}
