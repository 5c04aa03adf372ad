package dev.integ.cli;

import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input gets one clear error line, an optional hint, and the documented exit code; nothing on
 * stdout, no stack trace unless -v.
 */
class CliErrorsTest {
    private final Cli cli = Cli.inTempHome();

    @Test
    void unknownOptionIsAUsageError() {
        Cli.Result r = cli.run("doctor", "--bogus");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("integ: error: Unknown option: '--bogus'\ninteg: hint: see 'integ doctor --help'\n");
    }

    @Test
    void unknownCommandIsAUsageError() {
        Cli.Result r = cli.run("conect");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("integ: error: Unmatched argument at index 0: 'conect'");
    }

    @Test
    void malformedRedisUrlIsAUsageError() {
        Cli.Result r = cli.run("store", "status", "--redis", "redis://localhost:port");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("""
                integ: error: invalid Redis URL 'redis://localhost:port': the port 'port' is not a number from 1 to 65535
                integ: hint: expected redis://[user:pass@]host:port[/db], rediss://..., redis-sentinel://h1:26379,h2:26379[/db]#master or redis-cluster://h1:7000,h2:7001
                """);
    }

    @Test
    void doctorTreatsAMalformedUrlFlagAsUsageErrorToo() {
        Cli.Result r = cli.run("doctor", "--redis", "redis://[::1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("integ: error: invalid Redis URL 'redis://[::1': unclosed '[' in IPv6 address\n");
    }

    @Test
    void malformedRedisUrlFromTheEnvironmentToo() {
        Cli.Result r = cli.env("INTEG_REDIS_URL", "mysql://db").run("store", "status");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("integ: error: invalid Redis URL 'mysql://db': unknown scheme 'mysql'\n");
    }

    @Test
    void unreachableRedisSaysRetryLater() throws IOException {
        int closedPort = TestRedis.freePort();
        Cli.Result r = cli.run("store", "status", "--redis", "redis://127.0.0.1:" + closedPort);
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("integ: error: cannot reach Redis redis://127.0.0.1:" + closedPort
                + ": Failed to connect to 127.0.0.1:" + closedPort + ".\n"
                + "integ: hint: check that the server is running and reachable, then retry; 'integ doctor' shows the details\n");
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        int closedPort = TestRedis.freePort();
        Cli.Result r = cli.run("store", "status", "-v", "--redis", "redis://127.0.0.1:" + closedPort);
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).startsWith("integ: error: cannot reach Redis").contains("\tat redis.clients.jedis.");
    }

    @Test
    void badConfigYamlIsAUsageError() {
        cli.config("redis:\n  url: [unclosed\n");
        Cli.Result r = cli.run("store", "status");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        String path = cli.home().resolve("config/integ/config.yaml").toString();
        assertThat(r.err()).startsWith("integ: error: bad config file " + path + ": ")
                .contains("(line ")
                .endsWith("integ: hint: fix the YAML (see 'Configuration' in README.md)\n");
        assertThat(r.err().lines()).hasSize(2);
    }

    @Test
    void unknownConfigKeyNamesTheKnownOnes() {
        cli.config("namespace: ok\nredsi:\n  url: redis://x\n");
        Cli.Result r = cli.run("store", "status");
        assertThat(r.exitCode()).isEqualTo(2);
        String path = cli.home().resolve("config/integ/config.yaml").toString();
        assertThat(r.err()).isEqualTo("integ: error: bad config file " + path + ": unknown key 'redsi' (line 2)\n"
                + "integ: hint: known keys here: events, namespace, output, providers, rate-limits, redis, vault\n");
    }

    @Test
    void missingNamedConfigFile() {
        Cli.Result r = cli.run("store", "status", "--config", "/nonexistent/integ.yaml");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("integ: error: config file /nonexistent/integ.yaml does not exist\n"
                + "integ: hint: create it, or drop --config / INTEG_CONFIG to use the default location\n");
    }

    @Test
    void badOutputFormat() {
        Cli.Result r = cli.run("doctor", "-o", "yaml");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("integ: error: invalid output format 'yaml': expected table or json\n");
    }

    @Test
    void storeStopRefusesAnExternalRedis() {
        Cli.Result r = cli.run("store", "stop", "--redis", "redis://127.0.0.1:1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("integ: error: 'integ store stop' manages only the embedded store: "
                + "this invocation uses redis://127.0.0.1:1 (from --redis)\n"
                + "integ: hint: run it without --redis / INTEG_REDIS_URL / redis.url to manage the embedded store\n");
    }

    @Test
    void noCommandPrintsUsageAndIsAUsageError() {
        Cli.Result r = cli.run();
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("Connects a company's accounts").contains("Usage: integ");
    }

    @Test
    void passwordInArgvIsWarnedAboutButNeverEchoed() throws IOException {
        int closedPort = TestRedis.freePort();
        Cli.Result r = cli.run("store", "status", "--redis", "redis://:hunter2@127.0.0.1:" + closedPort);
        assertThat(r.err()).startsWith("integ: warning: the Redis password in --redis is visible in the process list")
                .doesNotContain("hunter2");
        assertThat(r.out()).doesNotContain("hunter2");
    }
}
