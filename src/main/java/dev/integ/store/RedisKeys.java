package dev.integ.store;

import dev.integ.core.IntegException;

import java.util.regex.Pattern;

/**
 * Every Redis key integ uses, in one place, so the whole schema can be reviewed here.
 *
 * <p>All keys start with the namespace ({@code integ:} by default) so prod and staging can share a
 * server. Keys that one script or transaction touches together share a Cluster hash tag
 * ({@code {...}}), so they always live in one slot.
 *
 * <pre>
 *   NS:doctor:probe        string, 60 s TTL   written and read back by `integ doctor` to prove the store is writable
 * </pre>
 */
public final class RedisKeys {
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final String namespace;

    public RedisKeys(String namespace) {
        this.namespace = validNamespace(namespace);
    }

    public static String validNamespace(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw IntegException.usage("invalid namespace '" + namespace + "'",
                    "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", null);
        }
        return namespace;
    }

    public String namespace() {
        return namespace;
    }

    public String doctorProbe() {
        return namespace + ":doctor:probe";
    }
}
