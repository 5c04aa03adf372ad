package dev.integ.store;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisUrlParserTest {

    @Test
    void standaloneWithEverything() {
        RedisTarget t = RedisUrlParser.parse("redis://app:s3cr%40t@cache.example.com:6380/2");
        assertThat(t.topology()).isEqualTo(RedisTarget.Topology.STANDALONE);
        assertThat(t.nodes()).containsExactly(new RedisTarget.Node("cache.example.com", 6380));
        assertThat(t.database()).isEqualTo(2);
        assertThat(t.user()).isEqualTo("app");
        assertThat(t.password()).isEqualTo("s3cr@t");
        assertThat(t.tls()).isFalse();
        assertThat(t.display()).isEqualTo("redis://app:***@cache.example.com:6380/2").doesNotContain("s3cr");
        assertThat(t.toString()).doesNotContain("s3cr");
    }

    @Test
    void defaultsAndTls() {
        RedisTarget t = RedisUrlParser.parse("rediss://localhost");
        assertThat(t.tls()).isTrue();
        assertThat(t.nodes()).containsExactly(new RedisTarget.Node("localhost", 6379));
        assertThat(t.database()).isZero();
        assertThat(t.password()).isNull();
    }

    @Test
    void ipv6() {
        assertThat(RedisUrlParser.parse("redis://[::1]:7000").nodes()).containsExactly(new RedisTarget.Node("::1", 7000));
        assertThat(RedisUrlParser.parse("redis://[::1]:7000").display()).isEqualTo("redis://[::1]:7000");
    }

    @Test
    void sentinelWithMasterAsFragmentOrQuery() {
        RedisTarget t = RedisUrlParser.parse("redis-sentinel://:pw@s1:26379,s2,s3:26380/1#mymaster");
        assertThat(t.topology()).isEqualTo(RedisTarget.Topology.SENTINEL);
        assertThat(t.nodes()).isEqualTo(List.of(new RedisTarget.Node("s1", 26379), new RedisTarget.Node("s2", 26379),
                new RedisTarget.Node("s3", 26380)));
        assertThat(t.masterName()).isEqualTo("mymaster");
        assertThat(t.database()).isEqualTo(1);
        assertThat(t.password()).isEqualTo("pw");
        assertThat(RedisUrlParser.parse("rediss-sentinel://s1?master=m2").masterName()).isEqualTo("m2");
    }

    @Test
    void cluster() {
        RedisTarget t = RedisUrlParser.parse("redis-cluster://n1:7000,n2:7001");
        assertThat(t.topology()).isEqualTo(RedisTarget.Topology.CLUSTER);
        assertThat(t.nodes()).hasSize(2);
        assertThat(t.display()).isEqualTo("redis-cluster://n1:7000,n2:7001");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://host                       | unknown scheme 'http'",
            "localhost:6379                    | it has no scheme",
            "redis://                          | a host is missing",
            "redis://host:0                    | the port '0' is not a number from 1 to 65535",
            "redis://host:99999                | the port '99999' is not a number from 1 to 65535",
            "redis://host:abc                  | the port 'abc' is not a number from 1 to 65535",
            "redis://host/db1                  | the database 'db1' is not a number",
            "redis://h1,h2                     | it names several hosts; use redis-sentinel:// or redis-cluster:// for those",
            "redis-sentinel://s1:26379         | a Sentinel URL needs the master name, as #NAME or ?master=NAME",
            "redis-cluster://n1/3              | Redis Cluster has only database 0",
            "redis://host?timeout=5            | unknown query parameter 'timeout' (only master=NAME is understood)",
            "redis://127.0.0.1:1:2             | '127.0.0.1:1' is not a host name or address (write IPv6 as [::1])",
            "redis://ho st                     | 'ho st' is not a host name or address"})
    void rejectsWithAUsageErrorThatSaysWhy(String url, String why) {
        assertThatThrownBy(() -> RedisUrlParser.parse(url))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).isEqualTo("invalid Redis URL '" + url + "': " + why);
                    assertThat(e.hint()).startsWith("expected redis://");
                });
    }

    @Test
    void errorsNeverEchoThePassword() {
        for (String url : List.of("redis://user:hunter2@host:notaport", "redis://hunter2@h1,h2", "redis-sentinel://:hunter2@s1")) {
            assertThatThrownBy(() -> RedisUrlParser.parse(url))
                    .isInstanceOf(IntegException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2").contains("***"));
        }
    }
}
