package dev.integ.store;

import dev.integ.testing.ObservableState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Jedis over the JDK's unix sockets: requests and replies go through, and a silent server is a timeout, not a hang. */
class UnixSocketFactoryTest {
    /** Only stops a broken implementation from hanging the build; no assertion is about time. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    private static final DefaultJedisClientConfig PLAIN = DefaultJedisClientConfig.builder()
            .clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build();

    private final Path dir = Files.createTempDirectory("integ-unix");
    private final Path path = dir.resolve("s.sock");
    private final ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);

    UnixSocketFactoryTest() throws IOException {
        server.bind(UnixDomainSocketAddress.of(path));
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
        Files.deleteIfExists(dir);
    }

    @Test
    void aRequestAndItsReplyGoThroughTheSocket() throws Exception {
        CountDownLatch pinged = new CountDownLatch(1);
        Thread fake = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                client.read(ByteBuffer.allocate(64));
                pinged.countDown();
                client.write(ByteBuffer.wrap("+PO".getBytes(StandardCharsets.US_ASCII)));
                client.write(ByteBuffer.wrap("NG\r\n".getBytes(StandardCharsets.US_ASCII)));
                client.read(ByteBuffer.allocate(64)); // until the client closes
            } catch (IOException ignored) {
                // the test fails on its own side
            }
        });
        fake.start();
        try (Socket socket = new UnixSocketFactory(path, 1000, 5000).createSocket()) {
            socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(pinged.await(10, TimeUnit.SECONDS)).isTrue();
            String reply = assertTimeoutPreemptively(HANG_GUARD, () -> readLine(socket.getInputStream()));
            assertThat(reply).isEqualTo("+PONG");
        }
        fake.join(TimeUnit.SECONDS.toMillis(10));
    }

    @Test
    void aServerThatNeverAnswersIsAReadTimeout() throws Exception {
        Thread silent = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                while (client.read(ByteBuffer.allocate(64)) >= 0) {
                    // reads every request, answers none
                }
            } catch (IOException ignored) {
                // closed by the test
            }
        });
        silent.start();
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> {
            try (Connection connection = new Connection(new UnixSocketFactory(path, 1000, 200), PLAIN)) {
                connection.ping();
            }
        }).isInstanceOf(JedisConnectionException.class).hasRootCauseInstanceOf(SocketTimeoutException.class));
        silent.join(TimeUnit.SECONDS.toMillis(10));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Test
    void closingItFromAnotherThreadEndsARead() throws Exception {
        Thread silent = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                client.read(ByteBuffer.allocate(64));
            } catch (IOException ignored) {
                // closed by the test
            }
        });
        silent.start();
        // read timeout 0: only the close can end this read (a pool's eviction, a shutdown hook's lock release)
        Socket socket = new UnixSocketFactory(path, 1000, 0).createSocket();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                outcome.complete(socket.getInputStream().read() < 0 ? null : new AssertionError("read a byte nobody sent"));
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        reader.start();
        ObservableState.await(HANG_GUARD, "the reader to wait in its selector", () -> Arrays.stream(reader.getStackTrace())
                .anyMatch(frame -> frame.getClassName().endsWith("SelectorImpl")));
        socket.close();
        assertThat(outcome.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(IOException.class);
        assertThat(socket.isClosed()).isTrue();
        silent.join(TimeUnit.SECONDS.toMillis(10));
    }

    @Test
    void aMissingSocketIsAConnectionFailureNamingIt() throws IOException {
        server.close();
        Files.delete(path);
        assertThatThrownBy(() -> new UnixSocketFactory(path, 1000, 1000).createSocket())
                .isInstanceOf(JedisConnectionException.class)
                .hasMessageContaining(path.toString());
    }
}
