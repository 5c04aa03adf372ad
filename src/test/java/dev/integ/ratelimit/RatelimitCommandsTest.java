package dev.integ.ratelimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.integ.store.RedisKeys;
import dev.integ.testing.Cli;
import dev.integ.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.RedisClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** `ratelimit` through the CLI, limits shared across connections, and bad limits in the config file. */
class RatelimitCommandsTest {
    private static TestRedis server;
    private static RedisClient redis;
    private final Cli cli = Cli.inTempHome();

    @BeforeAll
    static void start() {
        server = TestRedis.start();
        redis = RedisClient.create("127.0.0.1", server.port());
    }

    @AfterAll
    static void stop() {
        redis.close();
        server.close();
    }

    @BeforeEach
    void clean() throws java.io.IOException {
        redis.flushAll();
        // resets are security events, and events name users by a keyed HMAC kept under the master key
        cli.env("INTEG_REDIS_URL", server.url())
                .env("INTEG_MASTER_KEY_FILE", cli.home().resolve("master-key.json").toString());
        assertThat(cli.run("keys", "init").exitCode()).isZero();
    }

    private static JsonNode json(Cli.Result r) throws Exception {
        assertThat(r.exitCode()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void testCountsAllowedAndDeniedAgainstTheUserLimit() throws Exception {
        JsonNode r = json(cli.run("ratelimit", "test", "slack", "--user", "alice", "-n", "80", "-o", "json"));
        assertThat(r.get("allowed").asLong()).isEqualTo(50);
        assertThat(r.get("denied").asLong()).isEqualTo(30);
        assertThat(r.get("first_denied_by").asText()).isEqualTo("user");
        assertThat(Duration.parse(r.get("first_retry_after").asText())).isPositive().isLessThanOrEqualTo(Duration.ofMillis(1200));
        assertThat(json(cli.run("ratelimit", "status", "slack", "--user", "alice", "-o", "json")).get("per_user").get("remaining").asLong())
                .isZero();
    }

    @Test
    void dryRunLeavesTheRealBudgetUntouched() throws Exception {
        JsonNode r = json(cli.run("ratelimit", "test", "slack", "--user", "bob", "-n", "60", "--dry-run", "-o", "json"));
        assertThat(r.get("allowed").asLong()).isEqualTo(50);
        JsonNode status = json(cli.run("ratelimit", "status", "slack", "--user", "bob", "-o", "json"));
        assertThat(status.get("per_user").get("remaining").asLong()).isEqualTo(50);
        assertThat(status.get("overall").get("remaining").asLong()).isEqualTo(1000);
        assertThat(redis.keys("*:rl:*")).as("scratch keys are deleted").isEmpty();
    }

    @Test
    void resetNeedsYesWithoutATerminalThenClears() throws Exception {
        cli.run("ratelimit", "test", "slack", "--user", "carol", "-n", "50");
        Cli.Result refused = cli.run("ratelimit", "reset", "slack", "--user", "carol");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).startsWith("integ: error: refusing to reset the rate limit of slack/carol without confirmation");
        assertThat(cli.run("ratelimit", "reset", "slack", "--user", "carol", "--yes").out())
                .isEqualTo("reset the rate limit of slack/carol (1 bucket cleared)\n");
        assertThat(json(cli.run("ratelimit", "status", "slack", "--user", "carol", "-o", "json")).get("per_user").get("remaining").asLong())
                .isEqualTo(50);
    }

    @Test
    void configuredLimitsAndAliases() throws Exception {
        cli.config("rate-limits:\n  acme:\n    per-user: 3/1h\n    overall: 5/1h\n  slack:\n    per-user: 7/1m\n");
        assertThat(json(cli.run("ratelimit", "test", "acme", "--user", "a", "-n", "10", "-o", "json")).get("allowed").asLong()).isEqualTo(3);
        assertThat(json(cli.run("ratelimit", "test", "slack", "--user", "a", "-n", "10", "-o", "json")).get("allowed").asLong()).isEqualTo(7);
        JsonNode google = json(cli.run("ratelimit", "status", "google_drive", "-o", "json"));
        assertThat(google.get("provider").asText()).isEqualTo("google");
        assertThat(google.get("overall").get("limit").asText()).isEqualTo("1000/1m");
    }

    @Test
    void unknownProviderIsAUsageError() {
        Cli.Result r = cli.run("ratelimit", "status", "slak");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("integ: error: unknown provider 'slak': known providers: slack, google, jira\n"
                + "integ: hint: check the spelling, or add a custom provider under 'providers:' in the config file ('integ providers' lists them)\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0/1m      | invalid rate limit rate-limits.slack.per-user: '0/1m'",
            "-5/1m     | invalid rate limit rate-limits.slack.per-user: '-5/1m'",
            "50/0s     | invalid rate limit rate-limits.slack.per-user: '50/0s'",
            "50/1w     | invalid rate limit rate-limits.slack.per-user: '50/1w'",
            "50 per m  | invalid rate limit rate-limits.slack.per-user: '50 per m'"})
    void badLimitsAreRejectedAtStartUp(String limit, String message) {
        cli.config("rate-limits:\n  slack:\n    per-user: " + limit + "\n");
        Cli.Result r = cli.run("store", "status");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("integ: error: " + message
                + ": expected a positive count and a period such as 50/1m or 1000/100s (units ms, s, m, h, d)\n");
    }

    /** Eight clients on their own connections, firing together: the limit holds for all of them at once. */
    @Test
    void theLimitHoldsAcrossConnections() throws Exception {
        RateLimits limits = new RateLimits(Map.of("acme", new RateLimits.Pair(new Limit(1000, Duration.ofHours(1)),
                new Limit(100, Duration.ofHours(1)))));
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> allowed = new ArrayList<>();
        List<RedisClient> connections = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                RedisClient own = RedisClient.create("127.0.0.1", server.port());
                connections.add(own);
                RedisRateLimiter limiter = new RedisRateLimiter(own, new RedisKeys("integ"), limits);
                int client = c;
                allowed.add(pool.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (int i = 0; i < 50; i++) {
                        if (limiter.tryAcquire("acme", "user" + (client % 3)).allowed()) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : allowed) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).as("400 attempts against an overall limit of 100 per hour").isEqualTo(100);
        } finally {
            pool.shutdownNow();
            connections.forEach(RedisClient::close);
        }
    }
}
