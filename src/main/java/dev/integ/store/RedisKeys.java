package dev.integ.store;

import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every Redis key integ uses, in one place, so the whole schema can be reviewed here.
 *
 * <p>All keys start with the namespace ({@code integ:} by default) so prod and staging can share a
 * server. Keys that one script or transaction touches together share a Cluster hash tag
 * ({@code {...}}), so they always live in one slot.
 *
 * <pre>
 *   NS:doctor:probe            string, 60 s TTL   written and read back by `integ doctor` to prove the store is writable
 *   NS:keyset                  hash               the data keyset, encrypted under the master key; version; key creation times
 *   NS:lock:keys               string, TTL        held by one `keys` command at a time (random token, released by compare-and-delete)
 *   NS:lock:refresh:{P:U}      string, TTL        one refresh of credential P/U at a time; holds the fencing token
 *   NS:fence:refresh:{P:U}     counter            incremented by each holder of that lock: its fencing token
 *   NS:cred:PROVIDER:USER      hash               one credential: rev (compare-and-set), data (metadata + Tink ciphertext)
 *   NS:rl:{PROVIDER}:user:USER string, TTL        GCRA state (theoretical arrival time, ms) of one user's limit
 *   NS:rl:{PROVIDER}:all       string, TTL        GCRA state of the provider's overall limit (same slot: one script checks both)
 *   NS:rl:{PROVIDER~scratch-ID}:...               the same for `ratelimit test --dry-run`, deleted after it
 *   NS:events:{NS}:log         stream             the security event log, chained (seq, mac); trimmed by age, recorded by events.trimmed
 *   NS:events:{NS}:head        hash               the chain's head (seq, mac, id), written by the same script: a checkpoint outside the stream
 *   NS:events:{NS}:user:HMAC   stream             index: the ids of one user's events (same ids as the log, one tiny field)
 *   NS:events:{NS}:provider:P  stream             index: the ids of one provider's events
 *   NS:events:{NS}:hour:START  hash, TTL          per-hour counters (n, ACTION|RESULT|PROVIDER) for `events stats`
 *   NS:events                  stream             the log before the chain (read, never written); NS:events:{NS}:* share one slot
 *   NS:events:key              string             the HMAC keyset for user names in events, encrypted under the master key
 *   NS:events:chain-key        string             the HMAC keyset that chains the log (a separate key), encrypted under the master key
 *   NS:events:{NS}:win:P|U:W:START hash, TTL      alert counters (n: events, f: failures) of provider P and user HMAC U in the
 *                                                 fixed window of length W (ms) starting at START (epoch ms); counted by the append script
 *   NS:events:alerted:{P|U}:RULE:START  string, TTL  set (NX) when RULE alerted for P and U in the window starting at START
 * </pre>
 * USER is percent-encoded (everything but letters, digits and {@code . _ - @ +}), so a user name can
 * never contain ':' or a hash tag brace.
 */
public final class RedisKeys {
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final String namespace;

    public RedisKeys(String namespace) {
        this.namespace = validNamespace(namespace);
    }

    public static String validNamespace(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw IntegException.usage("invalid namespace '" + Echo.of(namespace) + "'",
                    "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", null);
        }
        return namespace;
    }

    public String namespace() {
        return namespace;
    }

    /**
     * A SCAN pattern matching, among others, the keys of every namespace that are sealed under a master
     * key ({@code NS:keyset}, {@code NS:events:key}, {@code NS:events:chain-key}); {@link #namespaceOfSealed}
     * picks them out.
     */
    public static String sealedPattern() {
        return "*key*";
    }

    /** The namespace whose data keyset or event log key (user HMAC, chain) {@code key} is, or empty when it is none of them. */
    public static Optional<String> namespaceOfSealed(String key) {
        for (String suffix : List.of(":keyset", ":events:key", ":events:chain-key")) {
            if (key.endsWith(suffix)) {
                String namespace = key.substring(0, key.length() - suffix.length());
                return NAMESPACE.matcher(namespace).matches() ? Optional.of(namespace) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    public String doctorProbe() {
        return namespace + ":doctor:probe";
    }

    public String keyset() {
        return namespace + ":keyset";
    }

    public String keysLock() {
        return namespace + ":lock:keys";
    }

    /** The single-flight refresh lock of one credential; it shares a hash tag with its fencing counter. */
    public String refreshLock(String provider, String user) {
        return namespace + ":lock:refresh:{" + provider + ":" + encode(user) + "}";
    }

    /** The counter that numbers the holders of one credential's refresh lock (the fencing token). */
    public String refreshFence(String provider, String user) {
        return namespace + ":fence:refresh:{" + provider + ":" + encode(user) + "}";
    }

    /** The SCAN pattern for every credential key, or one provider's (provider names need no escaping). */
    public String credentialPattern(String provider) {
        return namespace + ":cred:" + (provider == null ? "" : provider + ":") + "*";
    }

    public String credential(String provider, String user) {
        return namespace + ":cred:" + provider + ":" + encode(user);
    }

    /** @param scope null for the real budget, or a scratch id for a trial run */
    public String rateLimitUser(String provider, String user, String scope) {
        return rateLimitPrefix(provider, scope) + "user:" + encode(user);
    }

    public String rateLimitOverall(String provider, String scope) {
        return rateLimitPrefix(provider, scope) + "all";
    }

    public String rateLimitUserPattern(String provider, String scope) {
        return rateLimitPrefix(provider, scope) + "user:*"; // braces are not glob characters
    }

    private String rateLimitPrefix(String provider, String scope) {
        return namespace + ":rl:{" + provider + (scope == null ? "" : "~" + scope) + "}:";
    }

    /** The security event log (a stream); every key one append touches shares its hash tag {NS}. */
    public String events() {
        return eventsSlot() + "log";
    }

    /** The log as it was before the chain (one stream without a hash tag): read, never written. */
    public String legacyEvents() {
        return namespace + ":events";
    }

    /** The chain's head: seq, mac and id of the newest event, updated by the append script. */
    public String eventsHead() {
        return eventsSlot() + "head";
    }

    /** Index of one user's events (by HMAC): a stream of the log's ids. */
    public String eventsByUser(String userHmac) {
        return eventsSlot() + "user:" + encode(userHmac);
    }

    /** Index of one provider's events. */
    public String eventsByProvider(String provider) {
        return eventsSlot() + "provider:" + encode(provider);
    }

    /** Prefix of the per-hour counters; the append script adds the hour's start (epoch ms). */
    public String eventsHourPrefix() {
        return eventsSlot() + "hour:";
    }

    public String eventsHour(long hourStartMillis) {
        return eventsHourPrefix() + hourStartMillis;
    }

    /** The key that chains the log, under the master key; no hash tag (read with the user HMAC key). */
    public String eventsChainKey() {
        return namespace + ":events:chain-key";
    }

    private String eventsSlot() {
        return namespace + ":events:{" + namespace + "}:";
    }

    public String eventsMacKey() {
        return namespace + ":events:key";
    }

    /**
     * Alert counters of one provider and user in one window; in the log's slot, so the append script counts them.
     *
     * @param provider null for none; @param userHmac null or empty for none
     */
    public String eventsWindow(String provider, String userHmac, long windowMillis, long startMillis) {
        return eventsSlot() + "win:" + eventsPair(provider, userHmac).replace("{", "").replace("}", "") + ":" + windowMillis + ":" + startMillis;
    }

    public String eventsAlerted(String provider, String userHmac, String rule, long startMillis) {
        return namespace + ":events:alerted:" + eventsPair(provider, userHmac) + ":" + encode(rule) + ":" + startMillis;
    }

    /** The hash tag of one provider and user: their alert keys live in one slot. */
    private static String eventsPair(String provider, String userHmac) {
        return "{" + (provider == null ? "-" : encode(provider)) + "|"
                + (userHmac == null || userHmac.isEmpty() ? "-" : encode(userHmac)) + "}";
    }

    /** provider and user of a credential key, or null when the key is not one. */
    public String[] credentialOf(String key) {
        String prefix = namespace + ":cred:";
        if (!key.startsWith(prefix)) {
            return null;
        }
        String rest = key.substring(prefix.length());
        int colon = rest.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            return new String[] {rest.substring(0, colon), decode(rest.substring(colon + 1))};
        } catch (IllegalArgumentException notOurs) {
            return null;
        }
    }

    private static String encode(String user) {
        StringBuilder out = new StringBuilder();
        for (byte b : user.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".-_@+".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static String decode(String encoded) {
        return java.net.URLDecoder.decode(encoded.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }
}
