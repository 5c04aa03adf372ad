package dev.integ.testing;

import dev.integ.store.RedisServerBinary;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

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
        return startOnFreePort((dir, port) -> {
            List<String> command = new ArrayList<>(List.of(binary().toString(), "--port", Integer.toString(port)));
            command.addAll(commonArgs(dir));
            command.addAll(List.of(extraArgs));
            return command;
        });
    }

    /**
     * Starts a server and returns once it has logged {@code readyLine} instead of "Ready to accept
     * connections": for a server that is still loading its data set (LOADING), which it logs only after.
     */
    public static TestRedis startUntilLogged(String readyLine, String... extraArgs) {
        return startOnFreePort((dir, port) -> {
            List<String> command = new ArrayList<>(List.of(binary().toString(), "--port", Integer.toString(port)));
            command.addAll(commonArgs(dir));
            command.addAll(List.of(extraArgs));
            return command;
        }, readyLine);
    }

    /**
     * Starts a server that speaks only TLS: {@link #port()} is its TLS port and the plain port is off.
     * The files are PEM; the CA verifies client certificates (whether they are required is up to
     * {@code --tls-auth-clients} in the extra arguments, which Redis defaults to yes).
     */
    public static TestRedis startTls(Path certFile, Path keyFile, Path caFile, String... extraArgs) {
        return startOnFreePort((dir, port) -> {
            List<String> command = new ArrayList<>(List.of(binary().toString(), "--port", "0", "--tls-port", Integer.toString(port),
                    "--tls-cert-file", certFile.toString(), "--tls-key-file", keyFile.toString(),
                    "--tls-ca-cert-file", caFile.toString()));
            command.addAll(commonArgs(dir));
            command.addAll(List.of(extraArgs));
            return command;
        });
    }

    /**
     * Starts a Sentinel watching {@code primaryPort} on 127.0.0.1 as {@code masterName} (quorum 1).
     * Sentinel rewrites its config file, so the file lives in this instance's own directory.
     * Readiness is its "Sentinel ID is" log line.
     */
    public static TestRedis startSentinel(String masterName, int primaryPort) {
        return startSentinel(masterName, primaryPort, 1);
    }

    /**
     * A Sentinel with its own quorum and further config lines (e.g. "sentinel down-after-milliseconds mymaster 2000").
     * It announces 127.0.0.1, so the others and the clients reach it on loopback.
     */
    public static TestRedis startSentinel(String masterName, int primaryPort, int quorum, String... configLines) {
        return startOnFreePort((dir, port) -> {
            Path conf = dir.resolve("sentinel.conf");
            try {
                Files.writeString(conf, "port " + port + "\n"
                        + "bind 127.0.0.1\n"
                        + "sentinel announce-ip 127.0.0.1\n"
                        + "sentinel monitor " + masterName + " 127.0.0.1 " + primaryPort + " " + quorum + "\n"
                        + String.join("\n", configLines) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // The config file must come first; Sentinel takes its port from it.
            return List.of(binary().toString(), conf.toString(), "--sentinel",
                    "--dir", dir.toString(), "--daemonize", "no", "--logfile", "");
        });
    }

    /** Redis options for a server whose every write is on disk before it is answered (append-only file, fsync always). */
    public static final List<String> DURABLE = List.of("--appendonly", "yes", "--appendfsync", "always");

    /**
     * Starts a server again on {@code port} in {@code dir}, where an earlier one (now dead) kept its files,
     * say {@link #DURABLE}ly: the same address and data, as after a crash and a restart.
     */
    public static TestRedis restart(Path dir, int port, String... extraArgs) {
        return tryStart(dir, port, (d, p) -> {
            List<String> command = new ArrayList<>(List.of(binary().toString(), "--port", Integer.toString(p)));
            command.addAll(commonArgs(d));
            command.addAll(List.of(extraArgs));
            return command;
        }, null);
    }

    /** Options every instance gets: loopback only, nothing on disk, log to stdout (which is read for readiness). */
    private static List<String> commonArgs(Path dir) {
        return List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", dir.toString(), "--daemonize", "no", "--logfile", "");
    }

    /** Retries on another port when the free port found was taken before the server could bind it. */
    private static TestRedis startOnFreePort(BiFunction<Path, Integer, List<String>> commandLine) {
        return startOnFreePort(commandLine, null);
    }

    private static TestRedis startOnFreePort(BiFunction<Path, Integer, List<String>> commandLine, String readyLine) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return tryStart(commandLine, readyLine);
            } catch (IllegalStateException portTaken) {
                last = portTaken;
            }
        }
        throw last;
    }

    /** @param readyLine the log line that says the server is up; null: "Ready to accept connections" (or Sentinel's) */
    private static TestRedis tryStart(BiFunction<Path, Integer, List<String>> commandLine, String readyLine) {
        try {
            return tryStart(Files.createTempDirectory("integ-test-redis"), freePort(), commandLine, readyLine);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
    }

    private static TestRedis tryStart(Path dir, int port, BiFunction<Path, Integer, List<String>> commandLine, String readyLine) {
        try {
            List<String> command = commandLine.apply(dir, port);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> log = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                log.add(line);
                if (readyLine != null ? line.contains(readyLine) : line.contains("Ready to accept connections") || line.contains("Sentinel ID is")) {
                    TestRedis redis = new TestRedis(process, port, dir, log);
                    redis.drain(reader);
                    return redis;
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

    /** The redis-server tests run: the one on PATH (valkey-server if there is no redis-server). */
    public static Path binary() {
        return RedisServerBinary.locate(Optional.empty(), Optional.ofNullable(System.getenv("PATH")),
                Path.of(System.getProperty("java.io.tmpdir"), "integ-test-bin"));
    }

    public static int freePort() throws IOException {
        return dev.integ.core.LoopbackPort.free();
    }

    /** Keeps the pipe empty so the server never blocks on its log, and keeps the lines for {@link #awaitLog}. */
    private void drain(BufferedReader reader) {
        Thread drainer = new Thread(() -> {
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (log) {
                        log.add(line);
                        log.notifyAll();
                    }
                }
            } catch (IOException closed) {
                // server gone
            }
        }, "redis-log-drain");
        drainer.setDaemon(true);
        drainer.start();
    }

    /**
     * Waits until the server has logged a line containing {@code text} (or already had), for events
     * such as "Cluster state changed: ok". Fails after {@code timeout} with the log so far.
     */
    public void awaitLog(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (log) {
            while (log.stream().noneMatch(l -> l.contains(text))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("redis-server on port " + port + " did not log '" + text + "' within "
                            + timeout + ":\n" + String.join("\n", log));
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(log, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** The server's log so far. */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
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

    /** SIGSTOP: the server stops answering (and, as a replica, acknowledging) but keeps its connections. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        Signals.send(signal, List.of(process.pid()));
    }

    /** kill -9, and waits until the process is gone: the server writes nothing more, and its port is free again. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
