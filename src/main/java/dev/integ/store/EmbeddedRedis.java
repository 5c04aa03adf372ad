package dev.integ.store;

import dev.integ.core.IntegException;
import dev.integ.core.LoopbackPort;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * integ's private Redis: started on demand on 127.0.0.1 with a random password and AOF
 * persistence (fsync always), kept running between invocations, shared by concurrent ones.
 *
 * <p>Files in the directory (0700; every file 0600 because the server runs with umask 077):
 * {@code redis.conf}, {@code password}, {@code endpoint} (port and pid of the running server),
 * {@code start.lock}, {@code redis.log}, {@code redis.pid} and the AOF.
 */
public final class EmbeddedRedis {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Duration START_WAIT = Duration.ofSeconds(20);
    private static final Duration STOP_WAIT = Duration.ofSeconds(20);
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final BinarySource binaries;

    /** Where the redis-server binary comes from; resolved only when a server must be started. */
    @FunctionalInterface
    public interface BinarySource {
        Path locate();
    }

    /** How to reach the running server. */
    public record Endpoint(String host, int port, long pid, String password) {
        @Override
        public String toString() {
            return "Endpoint[" + host + ":" + port + ", pid " + pid + "]";
        }
    }

    public EmbeddedRedis(Path dir, BinarySource binaries) {
        this.dir = dir;
        this.binaries = binaries;
    }

    public Path directory() {
        return dir;
    }

    /** The running server, started first if needed. Safe to call from many processes at once. */
    public Endpoint ensureRunning() {
        Optional<Endpoint> running = runningEndpoint();
        if (running.isPresent()) {
            return running.get();
        }
        return withStartLock(() -> runningEndpoint().orElseGet(this::start));
    }

    /** The running server, if there is one; never starts it. */
    public Optional<Endpoint> runningEndpoint() {
        Optional<Endpoint> recorded = readEndpoint();
        return recorded.filter(this::answers);
    }

    /** Shuts the server down cleanly (the AOF is fsynced on every write, so nothing is lost). */
    public Optional<Endpoint> stop() {
        return withStartLock(() -> {
            Optional<Endpoint> running = runningEndpoint();
            running.ifPresent(this::shutdown);
            deleteQuietly(dir.resolve("endpoint"));
            return running;
        });
    }

    private Endpoint start() {
        try {
            PrivateFiles.createDirectory(dir.getParent());
            PrivateFiles.createDirectory(dir);
            String password = password();
            Path binary = binaries.locate();
            IntegException last = null;
            for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
                int port = LoopbackPort.free();
                try {
                    long pid = launch(binary, port, password);
                    Endpoint endpoint = new Endpoint("127.0.0.1", port, pid, password);
                    Properties p = new Properties();
                    p.setProperty("port", Integer.toString(port));
                    p.setProperty("pid", Long.toString(pid));
                    p.setProperty("binary", binary.toString());
                    p.setProperty("started", Instant.now().toString());
                    StringWriter w = new StringWriter();
                    p.store(w, "the running embedded Redis; written by integ");
                    PrivateFiles.write(dir.resolve("endpoint"), w.toString());
                    return endpoint;
                } catch (IntegException e) {
                    // most often another program took the free port between our probe and redis-server's bind
                    last = e;
                }
            }
            throw last;
        } catch (IOException e) {
            throw IntegException.failure("cannot prepare the embedded store in " + dir, e.getMessage(),
                    "check that the directory is writable, or set --redis to use another Redis", e);
        }
    }

    private long launch(Path binary, int port, String password) throws IOException {
        Path conf = dir.resolve("redis.conf");
        Path pidFile = dir.resolve("redis.pid");
        Files.deleteIfExists(pidFile);
        PrivateFiles.write(conf, String.join("\n", List.of(
                "# Written by integ at every start of the embedded store; edits are overwritten.",
                "bind 127.0.0.1",
                "port " + port,
                "protected-mode yes",
                "daemonize yes",
                "dir " + quote(dir.toString()),
                "pidfile " + quote(pidFile.toString()),
                "logfile " + quote(dir.resolve("redis.log").toString()),
                "requirepass " + quote(password),
                "appendonly yes",
                "appendfsync always",
                "save \"\"",
                "")));
        PrivateFiles.touch(dir.resolve("redis.log"));
        // umask 077 makes every file redis-server creates (AOF, log, pid) 0600.
        // daemonize detaches it into its own session, so Ctrl-C on this integ never kills it.
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", "umask 077 && exec \"$0\" \"$1\"",
                binary.toString(), conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
        Process process = builder.start();
        try {
            if (!process.waitFor(START_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw startFailed(port, "redis-server did not detach within " + START_WAIT.toSeconds() + "s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw startFailed(port, "interrupted");
        }
        if (process.exitValue() != 0) {
            throw startFailed(port, "redis-server exited with " + process.exitValue());
        }
        Endpoint candidate = new Endpoint("127.0.0.1", port, -1, password);
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Long> pid = readPid(pidFile);
            if (pid.isPresent() && !ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false)) {
                throw startFailed(port, "redis-server stopped right after starting");
            }
            if (pid.isPresent() && answers(candidate)) {
                return pid.get();
            }
            pause();
        }
        throw startFailed(port, "it did not answer within " + START_WAIT.toSeconds() + "s");
    }

    private IntegException startFailed(int port, String why) {
        return IntegException.failure("cannot start the embedded Redis on 127.0.0.1:" + port, why + lastLogLine(),
                "see " + dir.resolve("redis.log") + ", or set --redis to use another Redis", null);
    }

    private String lastLogLine() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).contains("#")) {
                    return " (log: " + lines.get(i).substring(lines.get(i).indexOf('#') + 1).trim() + ")";
                }
            }
        } catch (IOException ignored) {
            // the log is a courtesy
        }
        return "";
    }

    private void shutdown(Endpoint endpoint) {
        try (Connection connection = connect(endpoint, 2000)) {
            connection.sendCommand(Protocol.Command.SHUTDOWN);
            connection.getStatusCodeReply();
        } catch (JedisException expected) {
            // the server closes the connection as it exits
        }
        // redis-server removes its pid file as its very last step, after the final AOF fsync. Waiting on
        // the process itself can take a second longer: a daemon's zombie lingers until init reaps it.
        Path pidFile = dir.resolve("redis.pid");
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        while (Files.exists(pidFile) && ProcessHandle.of(endpoint.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw IntegException.retryLater("the embedded Redis (pid " + endpoint.pid() + ") did not stop",
                        "still running after " + STOP_WAIT.toSeconds() + "s", "try again, or see " + dir.resolve("redis.log"), null);
            }
            pause();
        }
    }

    private boolean answers(Endpoint endpoint) {
        try (Connection connection = connect(endpoint, 1000)) {
            return connection.ping();
        } catch (JedisException notOurs) {
            // refused (not running) or wrong password (the port now belongs to another server)
            return false;
        }
    }

    static Connection connect(Endpoint endpoint, int timeoutMillis) {
        return new Connection(new HostAndPort(endpoint.host(), endpoint.port()), DefaultJedisClientConfig.builder()
                .password(endpoint.password())
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .build());
    }

    private Optional<Endpoint> readEndpoint() {
        Path file = dir.resolve("endpoint");
        Path passwordFile = dir.resolve("password");
        try {
            if (!Files.exists(file) || !Files.exists(passwordFile)) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(file)));
            return Optional.of(new Endpoint("127.0.0.1", Integer.parseInt(p.getProperty("port")),
                    Long.parseLong(p.getProperty("pid")), Files.readString(passwordFile).trim()));
        } catch (IOException | RuntimeException unreadable) {
            // a damaged endpoint file only means we start (or find) the server again
            return Optional.empty();
        }
    }

    private String password() throws IOException {
        Path file = dir.resolve("password");
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        PrivateFiles.write(file, password + "\n");
        return password;
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException notYet) {
            return Optional.empty();
        }
    }

    @SuppressWarnings("try") // the lock is held for the body, never referenced in it
    private <T> T withStartLock(Supplier<T> action) {
        ReentrantLock local = IN_PROCESS_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new ReentrantLock());
        try {
            if (!local.tryLock(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw lockBusy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw lockBusy();
        }
        try {
            PrivateFiles.createDirectory(dir.getParent());
            PrivateFiles.createDirectory(dir);
            Path lockFile = dir.resolve("start.lock");
            PrivateFiles.touch(lockFile);
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                 FileLock ignored = lockWithin(channel)) {
                return action.get();
            }
        } catch (IOException e) {
            throw IntegException.failure("cannot lock the embedded store in " + dir, e.getMessage(), null, e);
        } finally {
            local.unlock();
        }
    }

    private FileLock lockWithin(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() > deadline) {
                throw lockBusy();
            }
            pause();
        }
    }

    private IntegException lockBusy() {
        return IntegException.retryLater("the embedded store is busy",
                "another integ process has been starting or stopping it for " + LOCK_WAIT.toSeconds() + "s", "try again", null);
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted", null, null, e);
        }
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a stale endpoint file is detected and replaced at the next start
        }
    }
}
