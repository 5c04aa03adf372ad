package dev.integ.oauth;

import dev.integ.core.IntegException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Binds the receiver's sockets before the server starts, so the port is known and a port in use is
 * reported as such. Only loopback addresses are ever bound; "localhost" gets both 127.0.0.1 and ::1
 * on one port, because a browser may resolve it to either.
 */
final class LoopbackListeners {
    /** With any free port, ::1 may already be taken on the port 127.0.0.1 gave us; a few tries find a shared one. */
    private static final int SHARED_PORT_ATTEMPTS = 5;

    private LoopbackListeners() {
    }

    /** Opens the listening sockets for the target on the server and returns the port. */
    static int open(Server server, RedirectTarget target, Supplier<ServerConnector> connectors) {
        return switch (target.host()) {
            case RedirectTarget.IPV4_LOOPBACK -> listen(server, connectors, RedirectTarget.IPV4_LOOPBACK, target.port()).getLocalPort();
            case RedirectTarget.IPV6_LOOPBACK -> {
                if (!ipv6LoopbackAvailable()) {
                    throw IntegException.usage("cannot listen on ::1", "this machine has no IPv6 loopback address",
                            "use 127.0.0.1 or localhost as the redirect host");
                }
                yield listen(server, connectors, RedirectTarget.IPV6_LOOPBACK, target.port()).getLocalPort();
            }
            default -> listenOnBoth(server, connectors, target.port());
        };
    }

    private static int listenOnBoth(Server server, Supplier<ServerConnector> connectors, int port) {
        for (int attempt = 0; attempt < SHARED_PORT_ATTEMPTS; attempt++) {
            ServerConnector ipv4 = listen(server, connectors, RedirectTarget.IPV4_LOOPBACK, port);
            int bound = ipv4.getLocalPort();
            try {
                listen(server, connectors, RedirectTarget.IPV6_LOOPBACK, bound);
                return bound;
            } catch (IntegException e) {
                if (!ipv6LoopbackAvailable()) {
                    // no ::1 here, so no browser on this machine can reach localhost over IPv6 either
                    return bound;
                }
                if (port != 0) {
                    throw e;
                }
                server.removeConnector(ipv4);
                release(ipv4);
            }
        }
        throw IntegException.retryLater("no port is free on both 127.0.0.1 and ::1", null,
                "run the command again, or set redirect-port to the port registered at the provider", null);
    }

    private static ServerConnector listen(Server server, Supplier<ServerConnector> connectors, String host, int port) {
        ServerConnector connector = connectors.get();
        connector.setHost(host);
        connector.setPort(port);
        try {
            connector.open();
        } catch (IOException | RuntimeException e) {
            connector.close();
            throw bindFailure(host, port, e);
        }
        server.addConnector(connector);
        return connector;
    }

    private static IntegException bindFailure(String host, int port, Exception e) {
        BindException bind = bindException(e);
        if (port == 0 || bind == null) {
            return IntegException.failure("cannot listen on " + host, e.getMessage(), null, e);
        }
        String reason = bind.getMessage() == null ? "" : bind.getMessage().toLowerCase(Locale.ROOT);
        if (reason.contains("permission")) {
            return IntegException.usage("cannot listen on port " + port + " on " + host, "ports below 1024 need privileges",
                    "set redirect-port to the port registered at the provider");
        }
        return IntegException.retryLater("port " + port + " on " + host + " is in use",
                "integ listens there for the browser to come back after sign-in",
                "another 'integ connect' may be running; or set redirect-port to the port registered at the provider", e);
    }

    private static BindException bindException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException b) {
                return b;
            }
        }
        return null;
    }

    static boolean ipv6LoopbackAvailable() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(RedirectTarget.IPV6_LOOPBACK), 0));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Closes sockets opened for a server that then failed to start. */
    static void closeAll(Server server) {
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector s) {
                release(s);
            }
        }
    }

    /**
     * Closes a connector's socket. Without acceptor threads, ServerConnector.close() leaves the socket to
     * the selector, which only exists once the server has started, so an unstarted one is closed here.
     */
    private static void release(ServerConnector connector) {
        Object socket = connector.getTransport();
        connector.close();
        if (socket instanceof Closeable closeable) {
            try {
                closeable.close();
            } catch (IOException e) {
                // closing a listening socket does not fail in a way that matters here
            }
        }
    }
}
