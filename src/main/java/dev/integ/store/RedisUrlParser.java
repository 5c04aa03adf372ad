package dev.integ.store;

import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the Redis URLs integ accepts:
 * <pre>
 *   redis://[user:password@]host[:port][/db]           rediss:// for TLS
 *   redis-sentinel://[user:password@]h1[:port],h2[:port][/db]#master   (or ?master=NAME)
 *   redis-cluster://[user:password@]h1[:port],h2[:port]
 * </pre>
 * java.net.URI cannot hold several hosts, so this is a small hand parser. Errors never echo the password.
 */
public final class RedisUrlParser {
    public static final String FORMS = "redis://[user:pass@]host:port[/db], rediss://..., "
            + "redis-sentinel://h1:26379,h2:26379[/db]#master or redis-cluster://h1:7000,h2:7001";

    private RedisUrlParser() {
    }

    public static RedisTarget parse(String url) {
        if (url == null || url.isBlank()) {
            throw invalid("", "it is empty");
        }
        String text = url.trim();
        int schemeEnd = text.indexOf("://");
        if (schemeEnd < 0) {
            throw invalid(text, "it has no scheme");
        }
        String scheme = text.substring(0, schemeEnd).toLowerCase(java.util.Locale.ROOT);
        boolean tls = scheme.startsWith("rediss");
        RedisTarget.Topology topology = switch (scheme) {
            case "redis", "rediss" -> RedisTarget.Topology.STANDALONE;
            case "redis-sentinel", "rediss-sentinel" -> RedisTarget.Topology.SENTINEL;
            case "redis-cluster", "rediss-cluster" -> RedisTarget.Topology.CLUSTER;
            default -> throw invalid(text, "unknown scheme '" + scheme + "'");
        };
        String rest = text.substring(schemeEnd + 3);

        String masterName = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            masterName = decode(rest.substring(hash + 1));
            rest = rest.substring(0, hash);
        }
        int question = rest.indexOf('?');
        if (question >= 0) {
            for (String pair : rest.substring(question + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                String[] kv = pair.split("=", 2);
                if (!kv[0].equals("master") || kv.length < 2) {
                    throw invalid(text, "unknown query parameter '" + kv[0] + "' (only master=NAME is understood)");
                }
                masterName = decode(kv[1]);
            }
            rest = rest.substring(0, question);
        }

        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                user = emptyToNull(decode(userInfo));
            } else {
                user = emptyToNull(decode(userInfo.substring(0, colon)));
                password = emptyToNull(decode(userInfo.substring(colon + 1)));
            }
        }

        int database = 0;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String path = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
            if (!path.isEmpty()) {
                if (!path.matches("\\d{1,5}")) {
                    throw invalid(text, "the database '" + path + "' is not a number");
                }
                database = Integer.parseInt(path);
            }
        }

        int defaultPort = topology == RedisTarget.Topology.SENTINEL ? 26379 : 6379;
        List<RedisTarget.Node> nodes = new ArrayList<>();
        for (String hostPort : rest.split(",", -1)) {
            nodes.add(node(text, hostPort, defaultPort));
        }

        switch (topology) {
            case STANDALONE -> {
                if (nodes.size() > 1) {
                    throw invalid(text, "it names several hosts; use redis-sentinel:// or redis-cluster:// for those");
                }
                if (masterName != null) {
                    throw invalid(text, "a master name only makes sense with redis-sentinel://");
                }
            }
            case SENTINEL -> {
                if (masterName == null || masterName.isBlank()) {
                    throw invalid(text, "a Sentinel URL needs the master name, as #NAME or ?master=NAME");
                }
            }
            case CLUSTER -> {
                if (database != 0) {
                    throw invalid(text, "Redis Cluster has only database 0");
                }
                if (masterName != null) {
                    throw invalid(text, "a master name only makes sense with redis-sentinel://");
                }
            }
        }
        return new RedisTarget(topology, List.copyOf(nodes), masterName, database, tls, user, password);
    }

    private static RedisTarget.Node node(String url, String hostPort, int defaultPort) {
        if (hostPort.isEmpty()) {
            throw invalid(url, "a host is missing");
        }
        String host;
        String port = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw invalid(url, "unclosed '[' in IPv6 address");
            }
            host = hostPort.substring(1, close);
            String after = hostPort.substring(close + 1);
            if (after.startsWith(":")) {
                port = after.substring(1);
            } else if (!after.isEmpty()) {
                throw invalid(url, "unexpected '" + after + "' after IPv6 address");
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            port = colon < 0 ? null : hostPort.substring(colon + 1);
        }
        boolean bracketed = hostPort.startsWith("[");
        if (host.isEmpty() || !host.matches(bracketed ? "[A-Fa-f0-9:.%A-Za-z]+" : "[A-Za-z0-9._-]+")) {
            throw invalid(url, "'" + host + "' is not a host name or address" + (host.contains(":") ? " (write IPv6 as [::1])" : ""));
        }
        int portNumber = defaultPort;
        if (port != null) {
            if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw invalid(url, "the port '" + port + "' is not a number from 1 to 65535");
            }
            portNumber = Integer.parseInt(port);
        }
        return new RedisTarget.Node(host, portNumber);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static IntegException invalid(String url, String why) {
        return IntegException.usage("invalid Redis URL '" + Echo.of(redact(url)) + "'", why, "expected " + FORMS);
    }

    /** Hides whatever sits between "://" and the last '@', which is where a password would be. */
    static String redact(String url) {
        int start = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (start < 0 || at < start) {
            return url;
        }
        String userInfo = url.substring(start + 3, at);
        int colon = userInfo.indexOf(':');
        // Without a colon the part may be a password written where a user belongs: hide it all.
        String shown = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
        return url.substring(0, start + 3) + shown + url.substring(at);
    }
}
