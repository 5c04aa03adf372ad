package dev.integ.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A port nothing listens on right now on the loopback interface (the embedded store, a redirect address). */
public final class LoopbackPort {
    private LoopbackPort() {
    }

    public static int free() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
