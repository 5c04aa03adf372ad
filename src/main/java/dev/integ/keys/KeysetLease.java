package dev.integ.keys;

import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The data keys one invocation writes with, kept within their write lease: loaded on first use,
 * and confirmed again (one round trip) once a quarter of {@link DataKeys#WRITE_LEASE} has passed,
 * so a long job (import, rewrap, refresh --all) notices a rotation within seconds and never hands
 * out keys the store would refuse, unless the process itself stalls for most of the lease.
 * Safe for several threads.
 */
public final class KeysetLease implements Supplier<DataKeys> {
    private static final long RENEW_AFTER_NANOS = DataKeys.WRITE_LEASE.toNanos() / 4;

    private final Supplier<DataKeys> load;
    private final UnaryOperator<DataKeys> confirm;
    private DataKeys keys;
    private long confirmedAtNanos;
    private long lookedForMissingAtNanos = System.nanoTime() - 2_000_000_000L;

    /**
     * @param load    reads the keyset (first use)
     * @param confirm given the keys held, returns them confirmed current or the keyset that replaced them
     */
    public KeysetLease(Supplier<DataKeys> load, UnaryOperator<DataKeys> confirm) {
        this.load = load;
        this.confirm = confirm;
    }

    public static KeysetLease of(Keyring keyring) {
        return new KeysetLease(keyring::load, keyring::renew);
    }

    @Override
    public synchronized DataKeys get() {
        if (keys == null) {
            keys = load.get();
            confirmedAtNanos = System.nanoTime();
        } else if (System.nanoTime() - confirmedAtNanos > RENEW_AFTER_NANOS) {
            renew();
        }
        return keys;
    }

    /**
     * Keys that hold {@code keyId} if the stored keyset does: for a reader that met a key id its keys do
     * not have (added by a rotation since this process loaded them). Looks again at most once a second
     * for ids it still does not find, so a store full of records under an unknown key costs one round
     * trip a second, not one per record.
     */
    public synchronized DataKeys holding(int keyId) {
        DataKeys held = get();
        if (held.has(keyId) || System.nanoTime() - lookedForMissingAtNanos < 1_000_000_000L) {
            return held;
        }
        lookedForMissingAtNanos = System.nanoTime();
        return renew();
    }

    /** Confirms the keys now: after the store refused a write as sealed with stale keys, or before a long step. */
    public synchronized DataKeys renew() {
        keys = keys == null ? load.get() : confirm.apply(keys);
        confirmedAtNanos = System.nanoTime();
        return keys;
    }
}
