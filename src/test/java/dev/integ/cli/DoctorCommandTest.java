package dev.integ.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.keys.KeysetFileMasterKey;
import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** doctor against a Redis the test started: the checklist, JSON, quiet mode, failures. */
class DoctorCommandTest {
    private static TestRedis redis;
    /** Every event is chained by a key under the master key: the audit path is proven only with one. */
    private static Path masterKey;
    private final Cli cli = Cli.inTempHome();

    @BeforeAll
    static void startRedis() throws IOException {
        redis = TestRedis.start();
        masterKey = Files.createTempDirectory("integ-doctor-test").resolve("master-key.json");
        new KeysetFileMasterKey(masterKey, "test").create();
    }

    private Cli withMasterKey() {
        return cli.env("INTEG_MASTER_KEY_FILE", masterKey.toString());
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
                        "hint: enable appendonly (AOF) on the server, or use the embedded store",
                        "! audit        not checked: every event is chained by a key under the master key (no master key configured)")
                .doesNotContain("✓ files")
                .contains("! providers    none has its client id and secret yet")
                .endsWith("integ is ready.\n");
        Cli.Result slack = cli.env("SLACK_CLIENT_ID", "1.2").env("SLACK_CLIENT_SECRET", "s").run("doctor", "--redis", redis.url());
        assertThat(slack.out()).contains("✓ providers    ready: slack; not configured: google, jira");
    }

    @Test
    void aHealthyStoreProvesTheAuditPathWithARealEventThatEventsShows() {
        Cli.Result r = withMasterKey().run("doctor", "--redis", redis.url(), "--namespace", "audited");
        assertThat(r.exitCode()).as(r.out()).isZero();
        Matcher line = Pattern.compile("✓ audit +appended and read back a doctor.check event \\((\\d+-\\d+)\\) in audited:events:\\{audited}:log\n")
                .matcher(r.out());
        assertThat(line.find()).as(r.out()).isTrue();

        Cli.Result events = withMasterKey().run("events", "--action", "doctor.check", "-o", "json", "--redis", redis.url(), "--namespace", "audited");
        assertThat(events.exitCode()).isZero();
        assertThat(events.out()).contains("\"id\":\"" + line.group(1) + "\"").contains("\"action\":\"doctor.check\"");
    }

    @Test
    void aStringWhereTheEventStreamBelongsFailsTheAuditCheck() {
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            jedis.set("stringly:events:{stringly}:log", "not a stream");
        }
        Cli.Result r = withMasterKey().run("doctor", "--redis", redis.url(), "--namespace", "stringly");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("✗ audit        cannot write the security event log stringly:events:{stringly}:log: a key of the log holds "
                        + "another type of value\n"
                        + "               hint: find out who wrote stringly:events:{stringly}:log or stringly:events:{stringly}:head, then rename or delete it")
                .endsWith("1 check failed.\n");
    }

    @Test
    void anAclUserWithoutXaddFailsTheAuditCheck() {
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            jedis.aclSetUser("noxadd", "reset", "on", ">doctor-pw", "~*", "&*", "+@all", "-xadd");
        }
        try {
            Cli.Result r = withMasterKey().env("INTEG_REDIS_PASSWORD", "doctor-pw")
                    .run("doctor", "--redis", "redis://noxadd@127.0.0.1:" + redis.port(), "--namespace", "acl");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.out()).contains("✓ writable", "✗ audit        cannot write the security event log acl:events:{acl}:log: Redis' ACL denies integ's user",
                    "hint: nothing was changed; give the Redis user the role that runs this command: integ store acl --role").doesNotContain("doctor-pw");
        } finally {
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                jedis.aclDelUser("noxadd");
            }
        }
    }

    @Test
    void anAclUserThatCanAppendButNotReadFailsTheAuditCheck() {
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            jedis.aclSetUser("noread", "reset", "on", ">doctor-pw", "~*", "&*", "+@all", "-xrange", "-xrevrange");
        }
        try {
            Cli.Result r = withMasterKey().env("INTEG_REDIS_PASSWORD", "doctor-pw")
                    .run("doctor", "--redis", "redis://noread@127.0.0.1:" + redis.port(), "--namespace", "noread");
            assertThat(r.exitCode()).isEqualTo(1);
            // a writer reads the chain's newest entry before its first append, so no event is written without XREVRANGE
            assertThat(r.out()).contains("✗ audit        cannot write the security event log noread:events:{noread}:log: "
                    + "Redis' ACL denies integ's user the command 'xrevrange'");
        } finally {
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                jedis.aclDelUser("noread");
            }
        }
    }

    @Test
    void aClientSecretFileOthersCanReadFailsTheSecretsCheck(@TempDir Path dir) throws IOException {
        Path secret = dir.resolve("slack-secret");
        Files.writeString(secret, "s3cr3t-value\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        cli.env("SLACK_CLIENT_ID", "1.2").env("SLACK_CLIENT_SECRET_FILE", secret.toString());

        Cli.Result r = cli.run("doctor", "--redis", redis.url());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("✗ secrets      " + secret + " (slack) is readable by others; connect refuses such a file\n"
                + "               hint: run: chmod 600 " + secret + "\n").doesNotContain("s3cr3t-value");

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Cli.Result fixed = cli.run("doctor", "--redis", redis.url());
        assertThat(fixed.exitCode()).isZero();
        assertThat(fixed.out()).contains("✓ secrets      client secret files are private to their owner: slack");
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
        Cli.Result r = withMasterKey().run("doctor", "-q", "--redis", redis.url());
        assertThat(r.exitCode()).isZero();
        // "! version" comes first where the redis-server on PATH is past its end of life (7.0 on Ubuntu 24.04)
        assertThat(r.out()).containsPattern("^(! version .*\n.*hint: .*\n)?! persistence").doesNotContain("✓");
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
