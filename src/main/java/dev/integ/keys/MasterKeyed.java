package dev.integ.keys;

import java.util.List;

/**
 * Something kept in Redis sealed under the master key (a namespace's data keyset, its event log's
 * HMAC key), which `keys rotate-master` moves to the new key.
 */
public interface MasterKeyed {

    /** The Redis key it is stored at, for messages. */
    String where();

    /** Which of {@code keys} opens it: the first that does; {@link Seal#ABSENT} or {@link Seal#NONE} otherwise. */
    Seal sealedUnder(List<MasterKey> keys);

    /**
     * Seals it under {@code to}, if it is still what opens under {@code from} (a compare-and-set).
     *
     * @return false when it changed meanwhile or does not open under {@code from}: look again
     */
    boolean reseal(MasterKey from, MasterKey to);

    /** @param under the key that opens it, or null */
    record Seal(boolean stored, MasterKey under) {
        public static final Seal ABSENT = new Seal(false, null);
        /** stored, but none of the keys tried opens it */
        public static final Seal NONE = new Seal(true, null);
    }
}
