package dev.integ.store;

import dev.integ.testing.Cli;
import dev.integ.testing.ListeningSockets;
import dev.integ.testing.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded default store: started on demand, private, persistent, shared. */
class EmbeddedStoreTest {
    private final Cli cli = Cli.inTempHome();
    private final Path dir = cli.home().resolve("data/integ/redis");

    @AfterEach
    void stopTheServer() {
        cli.run("store", "stop");
    }

    @Test
    void doctorStartsItAndEverythingChecksOut() {
        Cli.Result r = cli.run("doctor");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("Store: embedded Redis at " + dir.resolve("redis.sock") + " (data in " + dir + ")")
                .contains("✓ store", "✓ writable", "✓ persistence  append-only file on (fsync always)", "✓ files")
                // ✓ or ! by the redis-server on this machine's PATH (7.0 is past its end of life)
                .containsPattern("[✓!] version      (Redis|Valkey) \\d+\\.\\d+")
                .endsWith("integ is ready.\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void statusNeverStartsIt() {
        Cli.Result r = cli.run("store", "status");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("store    embedded (not running; it starts on the next command that needs it)");
        assertThat(dir.resolve("endpoint")).doesNotExist();
    }

    @Test
    void directoryIsPrivateAndEveryFileIs0600() throws IOException {
        assertThat(cli.run("store", "start").exitCode()).isZero();
        cli.run("doctor");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertThat(mode).as(p.toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
            }
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent()))).isEqualTo("rwx------");
        assertThat(Files.readString(dir.resolve("redis.conf"))).contains("appendonly yes", "appendfsync always", "port 0",
                "unixsocketperm 600");
        assertThat(dir.resolve("redis.sock")).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("redis.sock")))).isEqualTo("rw-------");
    }

    @Test
    void theServerListensOnNoTcpPort() throws IOException {
        assertThat(cli.run("store", "start").exitCode()).isZero();
        try (Jedis jedis = connect()) {
            // the server's own view: no TCP port, its unix socket 0600
            assertThat(jedis.configGet("port")).containsEntry("port", "0");
            assertThat(jedis.configGet("unixsocketperm")).containsEntry("unixsocketperm", "600");
            assertThat(RedisInfo.parse(jedis.info("server"))).containsEntry("tcp_port", "0");
        }
        // and the kernel's: none of the server's sockets is a TCP listener
        assertThat(ListeningSockets.tcpListenersOf(endpointPid())).isEmpty();
    }

    @Test
    void dataSurvivesStopAndStart() throws IOException {
        cli.run("store", "start");
        try (Jedis jedis = connect()) {
            jedis.set("integ:test:kept", "across restarts");
        }
        Cli.Result stop = cli.run("store", "stop");
        assertThat(stop.out()).startsWith("stopped the embedded store (pid ");
        assertThat(cli.run("store", "status").out()).contains("not running");

        assertThat(cli.run("store", "start").exitCode()).isZero();
        try (Jedis jedis = connect()) {
            assertThat(jedis.get("integ:test:kept")).isEqualTo("across restarts");
        }
    }

    @Test
    void dataSurvivesACrashOfTheServer() throws Exception {
        cli.run("store", "start");
        try (Jedis jedis = connect()) {
            jedis.set("integ:test:crash", "fsynced");
        }
        ProcessHandle server = ProcessHandle.of(endpointPid()).orElseThrow();
        new ProcessBuilder("kill", "-9", Long.toString(server.pid())).start().waitFor();
        server.onExit().get(10, TimeUnit.SECONDS);

        Cli.Result r = cli.run("doctor");
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(endpointPid()).isNotEqualTo(server.pid());
        try (Jedis jedis = connect()) {
            assertThat(jedis.get("integ:test:crash")).isEqualTo("fsynced");
        }
    }

    @Test
    void concurrentInvocationsShareOneServer() throws Exception {
        int parallel = 4;
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Cli.Result>> results = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            Callable<Cli.Result> start = () -> {
                go.await();
                return cli.run("store", "start", "-o", "json");
            };
            results.add(pool.submit(start));
        }
        go.countDown();
        List<String> outputs = new ArrayList<>();
        for (Future<Cli.Result> f : results) {
            Cli.Result r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.exitCode()).as(r.err()).isZero();
            outputs.add(r.out());
        }
        pool.shutdown();
        assertThat(outputs).allSatisfy(o -> assertThat(o).isEqualTo(outputs.get(0)));
        assertThat(outputs.get(0)).contains("\"pid\" : " + endpointPid());
    }

    @Test
    void aServerThatIsAliveButSilentGetsNoSecondServerBesideIt() throws Exception {
        cli.run("store", "start");
        long pid = endpointPid();
        // SIGSTOP: the server keeps its socket and files but answers nothing, as while loading a large AOF
        Signals.send("STOP", List.of(pid));
        try {
            Cli.Result r = cli.run("list");
            assertThat(r.exitCode()).as(r.err()).isEqualTo(4);
            assertThat(r.err()).contains("the embedded Redis (pid " + pid + ") is running but does not answer");
            assertThat(endpointPid()).isEqualTo(pid);
        } finally {
            Signals.send("CONT", List.of(pid));
        }
        assertThat(cli.run("store", "status").out()).contains(Long.toString(pid));
    }

    @Test
    void withoutAServerOnPathTheBundledFallbackRunsAndDoctorSaysItIsPastItsEndOfLife() {
        cli.env("PATH", cli.home().toString());
        try {
            Cli.Result list = cli.run("list");
            assertThat(list.exitCode()).as(list.err()).isZero();
            Cli.Result doctor = cli.run("doctor");
            assertThat(doctor.out() + doctor.err()).contains("7.0.15").containsIgnoringCase("end of life");
        } finally {
            cli.run("store", "stop");
        }
    }

    @Test
    void thePasswordNeverAppearsInAnyOutput() throws IOException {
        List<Cli.Result> runs = new ArrayList<>();
        runs.add(cli.run("doctor"));
        runs.add(cli.run("doctor", "-o", "json"));
        runs.add(cli.run("store", "status"));
        runs.add(cli.run("store", "status", "-o", "json"));
        runs.add(cli.run("store", "start", "-v"));
        runs.add(cli.run("--help"));
        String password = Files.readString(dir.resolve("password")).trim();
        assertThat(password).hasSizeGreaterThanOrEqualTo(40);
        for (Cli.Result r : runs) {
            assertThat(r.out() + r.err()).doesNotContain(password);
        }
    }

    private Jedis connect() throws IOException {
        Properties endpoint = endpoint();
        return new Jedis(new UnixSocketFactory(Path.of(endpoint.getProperty("socket")), 5000, 5000),
                DefaultJedisClientConfig.builder().password(Files.readString(dir.resolve("password")).trim()).build());
    }

    private long endpointPid() throws IOException {
        return Long.parseLong(endpoint().getProperty("pid"));
    }

    private Properties endpoint() throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(dir.resolve("endpoint"))));
        return p;
    }

}
