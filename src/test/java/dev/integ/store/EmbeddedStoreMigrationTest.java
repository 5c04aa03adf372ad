package dev.integ.store;

import dev.integ.testing.Cli;
import dev.integ.testing.ListeningSockets;
import dev.integ.testing.ObservableState;
import dev.integ.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store made by integ before the unix socket (a TCP server on 127.0.0.1 whose endpoint file names
 * its port) moves to the socket on the first start of this integ, every record kept; and the
 * password never goes to a TCP port on the way.
 */
class EmbeddedStoreMigrationTest {
    private static final int RECORDS = 25;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Cli cli = Cli.inTempHome();
    private final Path dir = cli.home().resolve("data/integ/redis");
    private final List<Long> started = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopEverything() {
        cli.run("store", "stop");
        started.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    @Test
    void aRunningTcpEraStoreMovesToTheSocketWithEveryRecord() throws Exception {
        TcpEraStore old = startTcpEraStore();
        fillThroughTcp(old);
        assertThat(ListeningSockets.tcpListenersOf(old.pid())).as("the TCP-era server's listener, as the kernel sees it").isNotEmpty();

        Cli.Result list = cli.run("list", "-o", "json");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertEveryRecordIn(list.out());
        // it removed its pid file as its last step; its zombie lingers until init reaps it
        assertThat(dir.resolve("redis.pid")).content().isNotEqualTo(old.pid() + "\n");
        ObservableState.await(WAIT, "the TCP-era server to exit", () -> ProcessHandle.of(old.pid()).map(p -> !p.isAlive()).orElse(true));
        assertThat(tokenOf(7)).isEqualTo("xoxb-token-7\n");
        assertTheEventLogCameAlong();
        assertTheServerNowHasNoTcpPort();
    }

    @Test
    void aStoppedTcpEraStoreStartsOnTheSocketWithEveryRecord() throws Exception {
        TcpEraStore old = startTcpEraStore();
        fillThroughTcp(old);
        try (Jedis jedis = overTcp(old)) {
            jedis.shutdown();
        } catch (JedisException closedAsItExits) {
            // the server drops the connection as it stops
        }
        ObservableState.await(WAIT, "the TCP-era server to exit", () -> ProcessHandle.of(old.pid()).map(p -> !p.isAlive()).orElse(true));

        Cli.Result list = cli.run("list", "-o", "json");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertEveryRecordIn(list.out());
        assertThat(tokenOf(RECORDS - 1)).isEqualTo("xoxb-token-" + (RECORDS - 1) + "\n");
        assertTheEventLogCameAlong();
        assertTheServerNowHasNoTcpPort();
    }

    @Test
    void thePasswordNeverReachesTheRecordedTcpPort() throws Exception {
        // Whatever owns the port an old endpoint file names now (here: a listener of the test's) must
        // never see a connection: the old integ sent the password there with its first PING.
        try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String password = "a-password-only-our-server-may-see-1234567890";
            List<String> received = new CopyOnWriteArrayList<>();
            Thread accepting = new Thread(() -> acceptAll(squatter, password, received), "squatter");
            accepting.setDaemon(true);
            accepting.start();
            PrivateFiles.createDirectory(dir.getParent());
            PrivateFiles.createDirectory(dir);
            PrivateFiles.write(dir.resolve("password"), password + "\n");
            long notAServer = ProcessHandle.current().pid();
            PrivateFiles.write(dir.resolve("redis.pid"), notAServer + "\n");
            writeTcpEraEndpoint(squatter.getLocalPort(), notAServer, Path.of("/usr/bin/redis-server"));

            for (String[] command : List.of(new String[] {"doctor"}, new String[] {"list"}, new String[] {"store", "status"},
                    new String[] {"store", "stop"}, new String[] {"store", "start"})) {
                Cli.Result r = cli.run(command);
                assertThat(r.exitCode()).as(String.join(" ", command) + ": " + r.err()).isZero();
            }
            assertThat(ProcessHandle.current().isAlive()).isTrue();
            squatter.close();
            accepting.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(received).as("connections made to the recorded TCP port").isEmpty();
        }
    }

    /** Describes each connection without its bytes: the test output must not carry the password either. */
    private static void acceptAll(ServerSocket squatter, String password, List<String> received) {
        while (!squatter.isClosed()) {
            try (Socket s = squatter.accept(); InputStream in = s.getInputStream()) {
                s.setSoTimeout(2000);
                byte[] buffer = new byte[4096];
                int n = Math.max(0, in.read(buffer));
                boolean withPassword = new String(buffer, 0, n, StandardCharsets.UTF_8).contains(password);
                received.add("a connection that sent " + n + " bytes" + (withPassword ? ", the password among them" : ""));
            } catch (IOException closedOrSilent) {
                if (!squatter.isClosed()) {
                    received.add("a connection that sent nothing");
                }
            }
        }
    }

    private record TcpEraStore(int port, long pid, String password) {
    }

    /** Starts redis-server exactly as integ did before the socket: its redis.conf, umask, endpoint file. */
    private TcpEraStore startTcpEraStore() throws Exception {
        PrivateFiles.createDirectory(dir.getParent());
        PrivateFiles.createDirectory(dir);
        String password = "tcp-era-password-" + Long.toHexString(System.nanoTime()) + "-0123456789abcdef";
        PrivateFiles.write(dir.resolve("password"), password + "\n");
        int port = TestRedis.freePort();
        Path conf = dir.resolve("redis.conf");
        Path pidFile = dir.resolve("redis.pid");
        PrivateFiles.write(conf, String.join("\n", List.of(
                "# Written by integ at every start of the embedded store; edits are overwritten.",
                "bind 127.0.0.1",
                "port " + port,
                "protected-mode yes",
                "daemonize yes",
                "dir \"" + dir + "\"",
                "pidfile \"" + pidFile + "\"",
                "logfile \"" + dir.resolve("redis.log") + "\"",
                "requirepass \"" + password + "\"",
                "appendonly yes",
                "appendfsync always",
                "save \"\"",
                "")));
        PrivateFiles.touch(dir.resolve("redis.log"));
        Path binary = TestRedis.binary();
        Process launcher = new ProcessBuilder("/bin/sh", "-c", "umask 077 && exec \"$0\" \"$1\"", binary.toString(), conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
        assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).isZero();
        ObservableState.await(WAIT, "the TCP-era server's pid file", () -> readPid(pidFile).isPresent());
        long pid = readPid(pidFile).orElseThrow();
        started.add(pid);
        TcpEraStore store = new TcpEraStore(port, pid, password);
        ObservableState.await(WAIT, "the TCP-era server to answer", () -> {
            try (Jedis jedis = overTcp(store)) {
                return "PONG".equals(jedis.ping());
            } catch (JedisException notYet) {
                return false;
            }
        });
        writeTcpEraEndpoint(port, pid, binary);
        return store;
    }

    private void writeTcpEraEndpoint(int port, long pid, Path binary) throws IOException {
        Properties p = new Properties();
        p.setProperty("port", Integer.toString(port));
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("binary", binary.toString());
        p.setProperty("started", Instant.now().toString());
        StringWriter w = new StringWriter();
        p.store(w, "the running embedded Redis; written by integ");
        PrivateFiles.write(dir.resolve("endpoint"), w.toString());
    }

    /** Records written through integ itself, as an integ of the TCP era did: keyset, credentials, events. */
    private void fillThroughTcp(TcpEraStore old) {
        Cli tcp = new Cli(cli.home())
                .env("INTEG_REDIS_URL", "redis://127.0.0.1:" + old.port())
                .env("INTEG_REDIS_PASSWORD", old.password())
                .env("INTEG_MASTER_KEY_FILE", cli.home().resolve("data/integ/master-key.json").toString());
        Cli.Result init = tcp.run("keys", "init");
        assertThat(init.exitCode()).as(init.err()).isZero();
        String lines = IntStream.range(0, RECORDS)
                .mapToObj(i -> "{\"provider\":\"slack\",\"user\":\"user" + i + "\",\"access_token\":\"xoxb-token-" + i
                        + "\",\"scopes\":\"chat:write\"}")
                .collect(Collectors.joining("\n", "", "\n"));
        Cli.Result imported = tcp.runWithInput(lines, "import", "--file", "-");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        Cli.Result list = tcp.run("list", "-o", "json");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertEveryRecordIn(list.out());
    }

    private static void assertEveryRecordIn(String listJson) {
        for (int i = 0; i < RECORDS; i++) {
            assertThat(listJson).contains("\"user\":\"user" + i + "\",\"status\":\"active\"");
        }
        assertThat(listJson.split("\"provider\":\"slack\"", -1)).hasSize(RECORDS + 1);
    }

    private String tokenOf(int user) {
        Cli.Result token = cli.run("token", "slack", "--user", "user" + user);
        assertThat(token.exitCode()).as(token.err()).isZero();
        return token.out();
    }

    /** The chain verifies from the old events on (keys init, import) to the token read just now. */
    private void assertTheEventLogCameAlong() {
        Cli.Result verify = cli.run("events", "verify");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        Cli.Result imports = cli.run("events", "--action", "import.success", "-o", "json");
        assertThat(imports.exitCode()).as(imports.err()).isZero();
        assertThat(imports.out()).contains("\"action\":\"import.success\"");
    }

    private void assertTheServerNowHasNoTcpPort() throws IOException {
        Properties endpoint = new Properties();
        endpoint.load(new java.io.StringReader(Files.readString(dir.resolve("endpoint"))));
        assertThat(endpoint.getProperty("port")).isNull();
        assertThat(endpoint.getProperty("socket")).isEqualTo(dir.resolve("redis.sock").toString());
        long pid = Long.parseLong(endpoint.getProperty("pid"));
        started.add(pid);
        assertThat(ListeningSockets.tcpListenersOf(pid)).isEmpty();
        try (Jedis jedis = new Jedis(new UnixSocketFactory(dir.resolve("redis.sock"), 5000, 5000),
                DefaultJedisClientConfig.builder().password(Files.readString(dir.resolve("password")).trim()).build())) {
            assertThat(jedis.configGet("port")).containsEntry("port", "0");
        }
    }

    private static Jedis overTcp(TcpEraStore store) {
        return new Jedis(new HostAndPort("127.0.0.1", store.port()),
                DefaultJedisClientConfig.builder().password(store.password()).timeoutMillis(5000).build());
    }

    private static Optional<Long> readPid(Path pidFile) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException notYet) {
            return Optional.empty();
        }
    }
}
