import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** One PING over a unix socket with the JDK's own UnixDomainSocketAddress (what integ uses). Arg: socket path. */
public final class UnixPingJdk {
    public static void main(String[] args) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(args[0]));
            channel.write(ByteBuffer.wrap("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer reply = ByteBuffer.allocate(64);
            channel.read(reply);
            System.out.print(new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII));
        }
    }
}
