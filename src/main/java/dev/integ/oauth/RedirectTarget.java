package dev.integ.oauth;

import dev.integ.core.Echo;
import dev.integ.core.IntegException;

import java.net.URI;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the browser brings the provider's answer back: a loopback address only (RFC 8252 section 7.3),
 * so the authorization code never leaves this machine.
 *
 * @param host "127.0.0.1", "::1" or "localhost"
 * @param port the port, or 0 for any free port
 * @param path the callback path, starting with "/"
 */
public record RedirectTarget(String host, int port, String path) {
    static final String IPV4_LOOPBACK = "127.0.0.1";
    static final String IPV6_LOOPBACK = "::1";
    static final String LOCALHOST = "localhost";

    private static final Set<String> LOOPBACK_HOSTS = Set.of(IPV4_LOOPBACK, IPV6_LOOPBACK, LOCALHOST);
    // URI path characters only: the path goes verbatim into the redirect URI the provider compares byte for byte
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*");

    public RedirectTarget {
        if (host == null || !LOOPBACK_HOSTS.contains(host)) {
            throw IntegException.usage("invalid redirect host '" + Echo.of(host) + "'",
                    "the browser must bring the answer back to this machine: use 127.0.0.1, ::1 or localhost",
                    "OAuth for command-line tools only allows loopback redirect addresses (RFC 8252)");
        }
        if (port < 0 || port > 65535) {
            throw IntegException.usage("invalid redirect port " + port, "expected 1 to 65535, or 0 for any free port", null);
        }
        if (path == null || !PATH.matcher(path).matches()) {
            throw IntegException.usage("invalid redirect path '" + Echo.of(path) + "'",
                    "expected a path starting with / without query or fragment, such as /callback", null);
        }
    }

    /** The redirect URI for the port actually listened on, e.g. {@code http://127.0.0.1:53682/cb/slack}. */
    public URI uri(int boundPort) {
        if (boundPort < 1 || boundPort > 65535) {
            throw new IllegalArgumentException("not a listening port: " + boundPort);
        }
        return URI.create("http://" + authority(boundPort) + path);
    }

    /** host:port as the browser writes it in the URI and in the Host header. */
    String authority(int boundPort) {
        return (host.equals(IPV6_LOOPBACK) ? "[::1]" : host) + ":" + boundPort;
    }
}
