package dev.integ.keys;

/** Something else kept encrypted under the master key, which `keys rotate-master` must move along. */
public interface MasterKeyed {

    /**
     * Re-encrypts under {@code to}. Must be idempotent: a run interrupted after this step repeats it,
     * so what is already under {@code to} is left as it is.
     */
    void rewrap(MasterKey from, MasterKey to);
}
