package dev.integ.keys;

import com.google.crypto.tink.Configuration;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadWrapper;
import com.google.crypto.tink.aead.AesGcmKeyManager;
import dev.integ.core.IntegException;

import java.security.GeneralSecurityException;

/**
 * Tink, set up once per process for the one AEAD integ uses (AES256-GCM, for the master key and the
 * data keys). Registering only it, with the registry's configuration, costs ~70 ms less at the start
 * of every vault command than AeadConfig.register() with ConfigurationV0 (every AEAD type).
 */
public final class Tink {
    private static boolean registered;

    private Tink() {
    }

    static synchronized void aead() {
        if (!registered) {
            try {
                AesGcmKeyManager.register(true);
                AeadWrapper.register();
            } catch (GeneralSecurityException e) {
                throw IntegException.failure("cannot initialise Tink", e.getMessage(), null, e);
            }
            registered = true;
        }
    }

    /** Where primitives come from: the registry, holding what has been registered (AES-GCM here, HMAC for events). */
    public static Configuration configuration() {
        aead();
        try {
            return RegistryConfiguration.get();
        } catch (GeneralSecurityException e) {
            throw IntegException.failure("cannot initialise Tink", e.getMessage(), null, e);
        }
    }
}
