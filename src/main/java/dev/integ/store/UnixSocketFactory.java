package dev.integ.store;

import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Jedis connections over a unix domain socket, with the JDK's own {@code UnixDomainSocketAddress}
 * (Java 16+): no native library to unpack and load at every start-up, as junixsocket needs.
 *
 * <p>A unix-domain {@link SocketChannel} has no {@link Socket} view, and Jedis wants a Socket; so
 * {@link ChannelSocket} is one, over a non-blocking channel and a selector. The selector is what
 * makes the timeouts real: a blocking channel read ignores {@code SO_TIMEOUT}, and Jedis relies on
 * it for every reply (and sets it to 0 for blocking commands).
 */
public final class UnixSocketFactory implements JedisSocketFactory {
    private final Path path;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    public UnixSocketFactory(Path path, int connectTimeoutMillis, int readTimeoutMillis) {
        this.path = path;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    @Override
    public Socket createSocket() {
        try {
            ChannelSocket socket = ChannelSocket.connect(path, connectTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            return socket;
        } catch (IOException e) {
            throw new JedisConnectionException("cannot connect to " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "unix:" + path;
    }

    /** A connected unix-domain channel seen as a {@link Socket}: streams, read timeout, close. */
    static final class ChannelSocket extends Socket {
        private final SocketChannel channel;
        private final Selector selector;
        private final SelectionKey key;
        private final InputStream in = new In();
        private final OutputStream out = new Out();
        private volatile int timeoutMillis;

        private ChannelSocket(SocketChannel channel, Selector selector, SelectionKey key) {
            this.channel = channel;
            this.selector = selector;
            this.key = key;
        }

        static ChannelSocket connect(Path path, int timeoutMillis) throws IOException {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            Selector selector = null;
            try {
                channel.configureBlocking(false);
                selector = Selector.open();
                ChannelSocket socket = new ChannelSocket(channel, selector, channel.register(selector, 0));
                // a unix connect completes at once or fails, unless the server's backlog is full
                if (!channel.connect(UnixDomainSocketAddress.of(path))) {
                    socket.await(SelectionKey.OP_CONNECT, timeoutMillis, "connect");
                    channel.finishConnect();
                }
                return socket;
            } catch (IOException | RuntimeException e) {
                if (selector != null) {
                    selector.close();
                }
                channel.close();
                throw e;
            }
        }

        /** Waits until the channel is ready for {@code op}; 0 waits for ever, as SO_TIMEOUT 0 does. */
        private void await(int op, int timeout, String what) throws IOException {
            try {
                key.interestOps(op);
                long deadline = System.nanoTime() + timeout * 1_000_000L;
                while (true) {
                    long left = timeout == 0 ? 0 : Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                    selector.select(left);
                    if (selector.selectedKeys().remove(key) && (key.readyOps() & op) != 0) {
                        return;
                    }
                    if (!channel.isOpen()) {
                        throw new IOException("socket closed");
                    }
                    if (timeout != 0 && System.nanoTime() - deadline >= 0) {
                        throw new SocketTimeoutException(what + " timed out after " + timeout + " ms");
                    }
                }
            } catch (CancelledKeyException | ClosedSelectorException closedMeanwhile) {
                // another thread closed the connection (a pool's eviction, a shutdown hook's release)
                throw new IOException("socket closed", closedMeanwhile);
            }
        }

        private final class In extends InputStream {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                while (true) {
                    int n = channel.read(buffer);
                    if (n != 0) {
                        return n;
                    }
                    await(SelectionKey.OP_READ, timeoutMillis, "read");
                }
            }
        }

        private final class Out extends OutputStream {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) {
                    if (channel.write(buffer) == 0) {
                        // the server is not reading; the same timeout as for its replies
                        await(SelectionKey.OP_WRITE, timeoutMillis, "write");
                    }
                }
            }
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public void setSoTimeout(int timeout) {
            if (timeout < 0) {
                throw new IllegalArgumentException("timeout < 0");
            }
            this.timeoutMillis = timeout;
        }

        @Override
        public int getSoTimeout() {
            return timeoutMillis;
        }

        @Override
        public boolean isConnected() {
            return channel.isConnected();
        }

        @Override
        public boolean isBound() {
            return true;
        }

        @Override
        public boolean isClosed() {
            return !channel.isOpen();
        }

        @Override
        public boolean isInputShutdown() {
            return false;
        }

        @Override
        public boolean isOutputShutdown() {
            return false;
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            try {
                return channel.getRemoteAddress();
            } catch (IOException closed) {
                return null;
            }
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            try {
                return channel.getLocalAddress();
            } catch (IOException closed) {
                return null;
            }
        }

        @Override
        public synchronized void close() throws IOException {
            try {
                selector.close();
            } finally {
                channel.close();
            }
        }

        @Override
        public String toString() {
            return "ChannelSocket[" + getRemoteSocketAddress() + "]";
        }
    }
}
