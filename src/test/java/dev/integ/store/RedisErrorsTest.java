package dev.integ.store;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisBroadcastException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one reading of Redis' error replies: server states, and messages without a script's hash. */
class RedisErrorsTest {
    private static final String SHA = "b5ec0e9b2f5d3c1a4e6f7a8b9c0d1e2f3a4b5c6d";

    /** Found by TortureIT: a Redis restart showed "Redis is unreachable: java.net.SocketException: Connection reset". */
    @Test
    void aConnectionProblemIsSaidInWordsWithoutJavaClassNames() {
        assertThat(RedisErrors.connectionProblem(new JedisConnectionException(
                new SocketException("Connection reset")))).isEqualTo("Connection reset");
        assertThat(RedisErrors.connectionProblem(new JedisConnectionException(
                "java.net.SocketException: Connection reset"))).isEqualTo("Connection reset");
        assertThat(RedisErrors.connectionProblem(new JedisConnectionException(
                "Unexpected end of stream."))).isEqualTo("Unexpected end of stream.");
        assertThat(RedisErrors.connectionProblem(new JedisConnectionException(
                new SocketTimeoutException()))).isEqualTo("SocketTimeoutException");
    }

    @Test
    void aScriptErrorLosesItsHashAndLocation() {
        assertThat(RedisErrors.plain("OOM command not allowed when used memory > 'maxmemory'. script: " + SHA + ", on @user_script:12."))
                .isEqualTo("OOM command not allowed when used memory > 'maxmemory'.");
        assertThat(RedisErrors.plain("ERR user_script:3: Script attempted to access nonexistent global variable 'x' script: " + SHA
                + ", on @user_script:3.")).isEqualTo("ERR user_script:3: Script attempted to access nonexistent global variable 'x'");
        // Redis 6 wraps script errors another way
        assertThat(RedisErrors.plain("ERR Error running script (call to f_" + SHA + "): @user_script:1: @user_script: 1: -OOM command "
                + "not allowed when used memory > 'maxmemory'.")).doesNotContain(SHA).startsWith("ERR Error running script: @user_script:1");
        assertThat(RedisErrors.plain("first line\nsecond line")).isEqualTo("first line");
        assertThat(RedisErrors.plain(null)).isEqualTo("no detail");
        assertThat(RedisErrors.withoutScriptTrace("cannot write x: NOPERM this user has no permissions script: " + SHA + ", on @user_script:1."))
                .isEqualTo("cannot write x: NOPERM this user has no permissions");
    }

    @Test
    void everyPassingServerStateIsRetryLaterWithAHint() {
        Map<String, String> replies = Map.of(
                "OOM command not allowed when used memory > 'maxmemory'. script: " + SHA + ", on @user_script:1.", "Redis is full: maxmemory reached",
                "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.", "Redis cannot persist to disk (MISCONF)",
                "READONLY You can't write against a read only replica. script: " + SHA + ", on @user_script:1.", "connected to a read-only replica",
                "LOADING Redis is loading the dataset in memory", "Redis is loading its data",
                "NOREPLICAS Not enough good replicas to write.", "min-replicas-to-write",
                "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", "lost its link to its primary",
                "CLUSTERDOWN The cluster is down", "the Redis Cluster is down",
                "TRYAGAIN Multiple keys request during rehashing of slot", "moving the keys",
                "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)", "no longer the primary",
                "ERR Error running script (call to f_" + SHA + "): @user_script:1: @user_script: 1: -OOM command not allowed.",
                "Redis is full: maxmemory reached");
        replies.forEach((reply, why) -> {
            IntegException e = RedisErrors.serverState(new JedisDataException(reply), "cannot write x").orElseThrow(
                    () -> new AssertionError("not a server state: " + reply));
            assertThat(e.exitCode()).as(reply).isEqualTo(ExitCode.RETRY_LATER);
            assertThat(e.getMessage()).as(reply).startsWith("cannot write x: ").contains(why).doesNotContain(SHA);
            assertThat(e.hint()).as(reply).isNotBlank();
        });
        IntegException busy = RedisErrors.serverState(new JedisBusyException("BUSY Redis is busy running a script. You can only call "
                + "SCRIPT KILL or SHUTDOWN NOSAVE."), "x").orElseThrow();
        assertThat(busy.getMessage()).isEqualTo("x: Redis is busy running a script");
    }

    @Test
    void otherErrorsAreNotServerStates() {
        for (String reply : new String[] {"WRONGTYPE Operation against a key holding the wrong kind of value", "ERR unknown command",
                "NOPERM this user has no permissions to run the 'evalsha' command", "ERR value is not an integer or out of range"}) {
            assertThat(RedisErrors.serverState(new JedisDataException(reply), "x")).as(reply).isEmpty();
        }
        assertThat(RedisErrors.wrongType(new JedisDataException("WRONGTYPE Operation against a key holding the wrong kind of value"))).isTrue();
        assertThat(RedisErrors.wrongType(new JedisDataException("LOADING Redis is loading the dataset in memory"))).isFalse();
    }

    @Test
    void storeConnectorTranslatesThroughTheSameStates() {
        StoreDescription store = new StoreDescription("redis", "redis://10.0.0.1:6379", "flag", null);
        IntegException full = StoreConnector.translate(new JedisDataException("OOM command not allowed when used memory > 'maxmemory'. script: "
                + SHA + ", on @user_script:1."), store);
        assertThat(full.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
        assertThat(full.getMessage()).endsWith(": Redis is full: maxmemory reached");
        IntegException other = StoreConnector.translate(new JedisDataException("ERR something else script: " + SHA + ", on @user_script:1."), store);
        assertThat(other.exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(other.getMessage()).endsWith(": ERR something else");
    }

    /** Found by ReliabilityIT: a Cluster failing over surfaced as exit 1 ("A failure occurred while broadcasting", "Please close pipeline"). */
    @Test
    void aClusterFailingOverIsPassingAndRetryLater() {
        JedisBroadcastException broadcast = new JedisBroadcastException();
        broadcast.addReply(new HostAndPort("127.0.0.1", 7000), "OK");
        broadcast.addReply(new HostAndPort("127.0.0.1", 7001), new JedisClusterOperationException("No more cluster attempts left."));
        assertThat(RedisErrors.passing(broadcast)).isTrue();
        IntegException e = StoreConnector.translate(broadcast, new StoreDescription("cluster", "redis-cluster://127.0.0.1:7000", "env", null));
        assertThat(e.exitCode()).isEqualTo(ExitCode.RETRY_LATER);
        assertThat(e.getMessage()).contains("the Cluster is failing over");

        JedisBroadcastException refused = new JedisBroadcastException();
        refused.addReply(new HostAndPort("127.0.0.1", 7000), new JedisDataException("NOPERM this user has no permissions"));
        assertThat(RedisErrors.passing(refused)).isFalse();

        Response<String> neverAnswered = new Response<>(BuilderFactory.STRING); // a node's connection died during sync
        assertThatThrownBy(() -> PipelineReplies.get(neverAnswered)).isInstanceOfSatisfying(JedisConnectionException.class,
                lost -> assertThat(RedisErrors.connectionProblem(lost)).startsWith("lost a Redis node's connection"));
        assertThat(RedisErrors.passing(new JedisConnectionException("x"))).isTrue();
        // a pipelined write's MOVED: the slot's primary changed under it
        assertThat(RedisErrors.serverState(new JedisDataException("MOVED 6001 127.0.0.1:43845"), "cannot write").orElseThrow().getMessage())
                .contains("moved the keys involved to another node");
    }
}
