package dev.integ.keys;

import com.google.crypto.tink.Aead;

/**
 * The key-encryption key (KEK) that wraps the data keyset stored in Redis. Callers see only an
 * {@link Aead}; where it lives (a Tink keyset file today, a cloud KMS URI later through Tink's KMS
 * extensions) is the implementation's business.
 */
public interface MasterKey {

    /** Human-readable location, safe to print: "file /etc/integ/master-key.json". */
    String describe();

    /** True when the key material can be reached (the file exists, the KMS key is configured). */
    boolean exists();

    /** Creates the key material where this source keeps it; only sources that can (a file) support it. */
    void create();

    /** The KEK itself. Fails with a "human must act" error naming the source when it cannot be read. */
    Aead aead();
}
