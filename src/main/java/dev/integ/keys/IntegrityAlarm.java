package dev.integ.keys;

import com.google.crypto.tink.Aead;
import dev.integ.core.IntegException;

/**
 * Told when stored key material fails an integrity check: the data keyset or the event log's HMAC key
 * is damaged or does not decrypt under the master key, or the master key itself exists but cannot be
 * used. Told before the failure is thrown; it must not throw itself (the caller's error is what the
 * user sees), and it must never be given key material.
 */
@FunctionalInterface
public interface IntegrityAlarm {
    IntegrityAlarm NONE = (key, masterKey, reason) -> { };

    /**
     * @param key       the Redis key of the key material that failed
     * @param masterKey the master key it is kept under, as {@link MasterKey#describe()} names it
     * @param reason    what is wrong, without any secret
     */
    void raise(String key, String masterKey, String reason);

    /**
     * The master key's AEAD for opening {@code key}. A master key that exists but cannot be used (not a
     * key, readable by others) is raised as well; a missing one is a setting, not a sign of tampering.
     */
    static Aead open(MasterKey master, String key, IntegrityAlarm alarm) {
        try {
            return master.aead();
        } catch (IntegException e) {
            if (master.exists()) {
                alarm.raise(key, master.describe(), e.getMessage());
            }
            throw e;
        }
    }
}
