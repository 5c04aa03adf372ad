package dev.integ.keys;

import com.google.crypto.tink.aead.AeadConfig;
import dev.integ.core.IntegException;

import java.security.GeneralSecurityException;

/** Registers Tink's AEAD key types once per process: generating and parsing keysets needs it. */
final class Tink {
    private static boolean registered;

    private Tink() {
    }

    static synchronized void aead() {
        if (!registered) {
            try {
                AeadConfig.register();
            } catch (GeneralSecurityException e) {
                throw IntegException.failure("cannot initialise Tink", e.getMessage(), null, e);
            }
            registered = true;
        }
    }
}
