package dev.integ.store;

/**
 * Which store is in use, in words a user can act on.
 *
 * @param kind    embedded, standalone, sentinel or cluster
 * @param address the redacted URL, or the embedded server's unix socket
 * @param source  where that choice came from: "--redis", "INTEG_REDIS_URL", the config file, or "default"
 * @param dataDir the embedded store's directory, or null for an external Redis
 */
public record StoreDescription(String kind, String address, String source, String dataDir) {

    public boolean embedded() {
        return dataDir != null;
    }

    /** One line for doctor and --help, e.g. "embedded Redis at /home/a/.local/share/integ/redis/redis.sock (data in /home/a/.local/share/integ/redis)". */
    public String summary() {
        if (embedded()) {
            return "embedded Redis" + (address == null ? "" : " at " + address) + " (data in " + dataDir + ")";
        }
        return kind + " Redis " + address + " (from " + source + ")";
    }
}
