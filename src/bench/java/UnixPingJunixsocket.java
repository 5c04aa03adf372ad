import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** One PING over a unix socket with junixsocket's AFUNIXSocket (loads its native library). Arg: socket path. */
public final class UnixPingJunixsocket {
    public static void main(String[] args) throws Exception {
        try (AFUNIXSocket socket = AFUNIXSocket.newInstance()) {
            socket.connect(AFUNIXSocketAddress.of(new File(args[0])), 1000);
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = new byte[64];
            InputStream in = socket.getInputStream();
            int n = in.read(reply);
            System.out.print(new String(reply, 0, n, StandardCharsets.US_ASCII));
        }
    }
}
