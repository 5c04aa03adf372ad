package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** doctor against a Redis the test started: the checklist, JSON, quiet mode, failures. */
class DoctorCommandTest {
    private static TestRedis redis;
    private final Cli cli = Cli.inTempHome();

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void checklistForAServerWithoutPersistence() {
        Cli.Result r = cli.run("doctor", "--redis", redis.url());
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("Store: standalone Redis " + redis.url() + " (from --redis)\n")
                .contains("✓ config ", "✓ store ", "✓ writable     wrote and read back integ:doctor:probe",
                        "! persistence  the server keeps nothing on disk: a restart loses every stored credential",
                        "hint: enable appendonly (AOF) on the server, or use the embedded store")
                .doesNotContain("✓ files")
                .contains("! providers    none has its client id and secret yet")
                .endsWith("integ is ready.\n");
        Cli.Result slack = cli.env("SLACK_CLIENT_ID", "1.2").env("SLACK_CLIENT_SECRET", "s").run("doctor", "--redis", redis.url());
        assertThat(slack.out()).contains("✓ providers    ready: slack; not configured: google, jira");
    }

    @Test
    void namespaceAndUrlFromTheEnvironment() {
        Cli.Result r = cli.env("INTEG_REDIS_URL", redis.url()).env("INTEG_NAMESPACE", "staging").run("doctor");
        assertThat(r.out()).contains("(from INTEG_REDIS_URL)", "wrote and read back staging:doctor:probe", "keys live under 'staging:'");
    }

    @Test
    void jsonIsOneDocument() throws IOException {
        Cli.Result r = cli.run("doctor", "--redis", redis.url(), "-o", "json");
        assertThat(r.exitCode()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.get("healthy").asBoolean()).isTrue();
        assertThat(doc.get("store").asText()).contains(redis.url());
        assertThat(doc.get("checks")).extracting(c -> c.get("name").asText() + "=" + c.get("status").asText())
                .contains("store=ok", "writable=ok", "persistence=warn");
    }

    @Test
    void quietPrintsOnlyWhatNeedsAttention() {
        Cli.Result r = cli.run("doctor", "-q", "--redis", redis.url());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("! persistence").doesNotContain("✓");
    }

    @Test
    void unreachableStoreFailsTheCheckAndTheExitCode() throws IOException {
        int closed = TestRedis.freePort();
        Cli.Result r = cli.run("doctor", "--redis", "redis://127.0.0.1:" + closed);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).containsPattern("✗ store +cannot reach Redis redis://127.0.0.1:" + closed)
                .doesNotContain("writable")
                .endsWith("1 check failed.\n");
    }

    @Test
    void aBrokenConfigFileIsReportedAndTheRestStillChecked() {
        cli.config("namespace: [oops\n");
        Cli.Result r = cli.run("doctor", "--redis", redis.url());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).containsPattern("✗ config +bad config file").contains("✓ store ");
    }

    @Test
    void helpAndDoctorSayWhichStoreIsInUse() {
        assertThat(cli.run("--help").out()).contains("Store in use: embedded Redis, data in " + cli.home().resolve("data/integ/redis"));
        assertThat(cli.run("doctor", "--help", "--redis", redis.url()).out())
                .contains("Store in use: standalone Redis " + redis.url() + " (from --redis), namespace integ");
    }

    @Test
    void versionAndExitCodesInHelp() {
        Cli.Result version = cli.run("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).matches("integ \\d+\\.\\d+\\.\\d+.*\n");
        assertThat(cli.run("--help").out()).contains("Exit codes:", "  4   temporary failure, retry later", "INTEG_REDIS_PASSWORD");
    }
}
