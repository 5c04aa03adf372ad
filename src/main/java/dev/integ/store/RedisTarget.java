package dev.integ.store;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A Redis deployment parsed from a URL: one server, a Sentinel-managed primary, or a Cluster.
 * Holds the URL's password if it had one, so {@link #toString()} never shows it.
 */
public record RedisTarget(Topology topology, List<Node> nodes, String masterName, int database, boolean tls,
                          String user, String password) {

    public enum Topology { STANDALONE, SENTINEL, CLUSTER }

    public record Node(String host, int port) {
        @Override
        public String toString() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /** The URL as it can safely be shown: the password, if any, replaced by {@code ***}. */
    public String display() {
        String scheme = (tls ? "rediss" : "redis") + switch (topology) {
            case STANDALONE -> "";
            case SENTINEL -> "-sentinel";
            case CLUSTER -> "-cluster";
        };
        StringBuilder url = new StringBuilder(scheme).append("://");
        if (user != null || password != null) {
            url.append(user == null ? "" : user).append(password == null ? "" : ":***").append('@');
        }
        url.append(nodes.stream().map(Node::toString).collect(Collectors.joining(",")));
        if (database != 0) {
            url.append('/').append(database);
        }
        if (masterName != null) {
            url.append('#').append(masterName);
        }
        return url.toString();
    }

    @Override
    public String toString() {
        return display();
    }
}
