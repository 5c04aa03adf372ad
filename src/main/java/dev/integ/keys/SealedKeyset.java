package dev.integ.keys;

import java.util.List;
import java.util.Optional;

/** A namespace's data keyset, as `keys rotate-master` moves it: every write is the keyring's compare-and-set. */
final class SealedKeyset implements MasterKeyed {
    private final Keyring keyring;
    private final String where;

    SealedKeyset(Keyring keyring, String where) {
        this.keyring = keyring;
        this.where = where;
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public Seal sealedUnder(List<MasterKey> keys) {
        if (!keyring.stored()) {
            return Seal.ABSENT;
        }
        for (MasterKey key : keys) {
            if (keyring.openWith(key).isPresent()) {
                return new Seal(true, key);
            }
        }
        return Seal.NONE;
    }

    @Override
    public boolean reseal(MasterKey from, MasterKey to) {
        Optional<DataKeys> keys = keyring.openWith(from);
        return keys.isPresent() && keyring.replace(keys.get(), keys.get().handle(), keys.get().lastRotation(), to).isPresent();
    }
}
