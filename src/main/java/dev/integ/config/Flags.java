package dev.integ.config;

/**
 * What the user typed on the command line; null where a flag was not given. {@link Settings}
 * layers the environment, the config file and the defaults under it.
 */
public record Flags(String redisUrl, String configFile, String namespace, String output, boolean noColor,
                    String redisPasswordFile, String redisCaFile, String redisClientCert, String redisClientKey,
                    String redisMinReplicaAcks, String redisAckTimeout) {

    public static final Flags NONE = new Flags(null, null, null, null, false, null, null, null, null);

    /** Without the replica-acknowledgement flags. */
    public Flags(String redisUrl, String configFile, String namespace, String output, boolean noColor,
                 String redisPasswordFile, String redisCaFile, String redisClientCert, String redisClientKey) {
        this(redisUrl, configFile, namespace, output, noColor, redisPasswordFile, redisCaFile, redisClientCert, redisClientKey, null, null);
    }

    @Override
    public String toString() {
        // no secrets here (a password in the URL is redacted by whoever parses it), but keep URLs out of logs anyway
        return "Flags[...]";
    }
}
