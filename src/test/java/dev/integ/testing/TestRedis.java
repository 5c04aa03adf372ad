package dev.integ.testing;

import dev.integ.store.RedisServerBinary;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway redis-server on a free loopback port, for one test class. It keeps nothing on disk
 * unless asked, and is killed on {@link #close()}. Readiness is read from the server's own log
 * ("Ready to accept connections"), so no test waits on a clock.
 */
public final class TestRedis implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;
    private final List<String> log;

    private TestRedis(Process process, int port, Path dir, List<String> log) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.log = log;
    }

    /** Starts a server; extra arguments are redis-server options such as "--requirepass", "pw". */
    public static TestRedis start(String... extraArgs) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return tryStart(extraArgs);
            } catch (IllegalStateException portTaken) {
                last = portTaken;
            }
        }
        throw last;
    }

    private static TestRedis tryStart(String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("integ-test-redis");
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(binary().toString(),
                    "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", dir.toString(), "--daemonize", "no", "--logfile", ""));
            command.addAll(List.of(extraArgs));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> log = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                log.add(line);
                if (line.contains("Ready to accept connections") || line.contains("Sentinel ID is")) {
                    drain(reader);
                    return new TestRedis(process, port, dir, log);
                }
            }
            process.waitFor(5, TimeUnit.SECONDS);
            throw new IllegalStateException("redis-server on port " + port + " did not start:\n" + String.join("\n", log));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The redis-server tests run: PATH first, else the one bundled in integ's jar. */
    public static Path binary() {
        return RedisServerBinary.locate(Optional.empty(), Optional.ofNullable(System.getenv("PATH")),
                Path.of(System.getProperty("java.io.tmpdir"), "integ-test-bin"));
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void drain(BufferedReader reader) {
        Thread drainer = new Thread(() -> {
            try {
                while (reader.readLine() != null) {
                    // keep the pipe empty so the server never blocks on its log
                }
            } catch (IOException closed) {
                // server gone
            }
        }, "redis-log-drain");
        drainer.setDaemon(true);
        drainer.start();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public Path directory() {
        return dir;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
