package dev.integ.store;

import dev.integ.core.IntegException;
import dev.integ.core.LoopbackPort;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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
 * integ's private Redis: started on demand with a random password and AOF persistence (fsync
 * always), kept running between invocations, shared by concurrent ones.
 *
 * <p>It listens only on a unix socket inside its 0700 directory, TCP off ({@code port 0}): no other
 * local user can reach it, and the password is never sent to whatever owns a loopback port.
 *
 * <p>Files in the directory (0700; every file 0600 because the server runs with umask 077 and
 * {@code unixsocketperm 600}): {@code redis.conf}, {@code password}, {@code endpoint} (socket and pid
 * of the running server), {@code redis.sock}, {@code start.lock}, {@code redis.log}, {@code redis.pid}
 * and the AOF.
 *
 * <p>A store started by an integ from before the socket (its endpoint file names a TCP port) is
 * moved on the first start: that server is shut down (its append-only file fsynced) and a socket
 * server is started on the same data.
 */
public final class EmbeddedRedis {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Duration START_WAIT = Duration.ofSeconds(20);
    private static final Duration STOP_WAIT = Duration.ofSeconds(20);

    private final Path dir;
    private final BinarySource binaries;

    /** Where the redis-server binary comes from; resolved only when a server must be started. */
    @FunctionalInterface
    public interface BinarySource {
        Path locate();
    }

    /** The longest unix socket path Linux and macOS accept (sun_path less its terminating NUL). */
    static final int MAX_SOCKET_PATH_BYTES = 103;

    /** How to reach the running server. */
    public record Endpoint(Path socket, long pid, String password) {
        @Override
        public String toString() {
            return "Endpoint[" + socket + ", pid " + pid + "]";
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
        return withStartLock(() -> runningEndpoint().orElseGet(() -> {
            retireTcpServer();
            return start();
        }));
    }

    /** The running server, if there is one; never starts it. */
    public Optional<Endpoint> runningEndpoint() {
        Optional<Endpoint> recorded = readEndpoint();
        return recorded.filter(this::answers);
    }

    /** Shuts the server down cleanly (the AOF is fsynced on every write, so nothing is lost). */
    public Optional<Endpoint> stop() {
        return withStartLock(() -> {
            retireTcpServer();
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
            Path socket = socketPath();
            refuseASecondServer();
            String password = password();
            Path binary = binaries.locate();
            long pid = launch(binary, socket, password);
            Properties p = new Properties();
            p.setProperty("socket", socket.toString());
            p.setProperty("pid", Long.toString(pid));
            p.setProperty("binary", binary.toString());
            p.setProperty("started", Instant.now().toString());
            StringWriter w = new StringWriter();
            p.store(w, "the running embedded Redis; written by integ");
            PrivateFiles.write(dir.resolve("endpoint"), w.toString());
            return new Endpoint(socket, pid, password);
        } catch (IOException e) {
            throw IntegException.failure("cannot prepare the embedded store in " + dir, e.getMessage(),
                    "check that the directory is writable, or set --redis to use another Redis", e);
        }
    }

    /** The socket's path, absolute: the server and every client must name the same file. */
    private Path socketPath() {
        Path socket = dir.toAbsolutePath().resolve("redis.sock");
        int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw IntegException.usage("the embedded store's socket path is too long: " + socket,
                    bytes + " bytes, and the system allows " + MAX_SOCKET_PATH_BYTES,
                    "set XDG_DATA_HOME to a shorter directory, or set --redis to use another Redis");
        }
        return socket;
    }

    /**
     * A server that is alive on this directory but did not answer (still loading a large AOF, or
     * stopped) must not get a second one beside it: two servers appending to one AOF lose data.
     */
    private void refuseASecondServer() {
        Optional<Long> pid = readPid(dir.resolve("redis.pid"));
        if (pid.isPresent() && isRedisServer(pid.get())) {
            throw IntegException.retryLater("the embedded Redis (pid " + pid.get() + ") is running but does not answer",
                    "it may still be loading its data", "retry in a moment; if it stays so, stop it (kill " + pid.get()
                            + ") and retry; see " + dir.resolve("redis.log"), null);
        }
    }

    /**
     * A live process that is a redis-server or valkey-server, not a stranger that reused the pid: its
     * executable (on Debian redis-server is a link to redis-check-rdb, the same binary) or the first
     * word of its title, which Redis sets to the path it was started as.
     */
    private static boolean isRedisServer(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> {
            ProcessHandle.Info info = p.info();
            String executable = info.command().map(EmbeddedRedis::fileName).orElse("");
            String title = info.commandLine().map(c -> fileName(c.split(" ", 2)[0])).orElse("");
            return executable.startsWith("redis-") || executable.startsWith("valkey-")
                    || title.startsWith("redis-server") || title.startsWith("valkey-server");
        }).orElse(false);
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * Moves a store from before the socket (its endpoint file names a TCP port): if that server still
     * runs, it is asked to stop with SIGTERM, on which Redis persists as its configuration says (the
     * append-only file fsynced; a snapshot too where save points are set) and exits; the socket
     * server started next opens the same files. A server that is gone left its files, which is all
     * the next start needs.
     *
     * <p>No TCP connection is made: authenticating to the recorded port would send the password to
     * whatever process owns that port now, which is what the socket is for. The server is known by
     * its pid file, which it wrote itself into this 0700 directory, and by its command line.
     */
    private void retireTcpServer() {
        Optional<Properties> recorded = readEndpointFile();
        if (recorded.isEmpty() || recorded.get().getProperty("port") == null || recorded.get().getProperty("socket") != null) {
            return;
        }
        Optional<Long> pid = readPid(dir.resolve("redis.pid"));
        if (pid.isPresent() && pid.get().toString().equals(recorded.get().getProperty("pid")) && isRedisServer(pid.get())) {
            boolean asked = ProcessHandle.of(pid.get()).map(ProcessHandle::destroy).orElse(false);
            if (!asked) {
                throw IntegException.retryLater("cannot move the embedded store to its socket",
                        "the running server (pid " + pid.get() + ") cannot be asked to stop",
                        "stop it yourself (kill " + pid.get() + "), then retry", null);
            }
            awaitExit(pid.get());
        }
        deleteQuietly(dir.resolve("endpoint"));
    }

    private long launch(Path binary, Path socket, String password) throws IOException {
        Path conf = dir.resolve("redis.conf");
        Path pidFile = dir.resolve("redis.pid");
        Files.deleteIfExists(pidFile);
        PrivateFiles.write(conf, String.join("\n", List.of(
                "# Written by integ at every start of the embedded store; edits are overwritten.",
                "# No TCP listener: only the unix socket, in this 0700 directory, 0600 itself.",
                "port 0",
                "unixsocket " + quote(socket.toString()),
                "unixsocketperm 600",
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
                throw startFailed(binary, "it did not detach within " + START_WAIT.toSeconds() + "s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw startFailed(binary, "interrupted");
        }
        if (process.exitValue() != 0) {
            throw startFailed(binary, "it exited with " + process.exitValue());
        }
        Endpoint candidate = new Endpoint(socket, -1, password);
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Long> pid = readPid(pidFile);
            if (pid.isPresent() && !ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false)) {
                throw startFailed(binary, "it stopped right after starting");
            }
            if (pid.isPresent() && answers(candidate)) {
                return pid.get();
            }
            pause();
        }
        throw startFailed(binary, "it did not answer within " + START_WAIT.toSeconds() + "s");
    }

    private IntegException startFailed(Path binary, String why) {
        return IntegException.failure("cannot start the embedded Redis (" + binary + ")", why + lastLogLine(),
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
        awaitExit(endpoint.pid());
    }

    private void awaitExit(long pid) {
        // redis-server removes its pid file as its very last step, after the final AOF fsync. Waiting on
        // the process itself can take a second longer: a daemon's zombie lingers until init reaps it.
        Path pidFile = dir.resolve("redis.pid");
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        while (Files.exists(pidFile) && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw IntegException.retryLater("the embedded Redis (pid " + pid + ") did not stop",
                        "still running after " + STOP_WAIT.toSeconds() + "s", "try again, or see " + dir.resolve("redis.log"), null);
            }
            pause();
        }
    }

    private boolean answers(Endpoint endpoint) {
        try (Connection connection = connect(endpoint, 1000)) {
            return connection.ping();
        } catch (JedisException notRunning) {
            // no socket (stopped, crashed), nobody listening on it, or a password that is no longer the server's
            return false;
        }
    }

    static Connection connect(Endpoint endpoint, int timeoutMillis) {
        return new Connection(new UnixSocketFactory(endpoint.socket(), timeoutMillis, timeoutMillis),
                clientConfig(endpoint.password(), timeoutMillis));
    }

    private static JedisClientConfig clientConfig(String password, int timeoutMillis) {
        return DefaultJedisClientConfig.builder()
                .password(password)
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .build();
    }

    /** The recorded socket server; a TCP-era record (a port, no socket) is not one. */
    private Optional<Endpoint> readEndpoint() {
        Path passwordFile = dir.resolve("password");
        return readEndpointFile().flatMap(p -> {
            try {
                if (p.getProperty("socket") == null || !Files.exists(passwordFile)) {
                    return Optional.empty();
                }
                return Optional.of(new Endpoint(Path.of(p.getProperty("socket")), Long.parseLong(p.getProperty("pid")),
                        Files.readString(passwordFile).trim()));
            } catch (IOException | RuntimeException unreadable) {
                // a damaged endpoint file only means we start (or find) the server again
                return Optional.empty();
            }
        });
    }

    private Optional<Properties> readEndpointFile() {
        Path file = dir.resolve("endpoint");
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(file)));
            return Optional.of(p);
        } catch (IOException | IllegalArgumentException unreadable) {
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
