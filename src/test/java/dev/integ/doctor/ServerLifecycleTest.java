package dev.integ.doctor;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** doctor's end-of-life table read against what INFO server says. */
class ServerLifecycleTest {

    @Test
    void redisOlderThanSevenTwoIsPastItsEndOfLife() {
        assertThat(endOfLife(Map.of("redis_version", "6.2.6"))).contains("7.2");
        assertThat(endOfLife(Map.of("redis_version", "7.0.15"))).contains("7.2");
    }

    @Test
    void maintainedRedisSeriesAreNot() {
        assertThat(endOfLife(Map.of("redis_version", "7.2.11"))).isEmpty();
        assertThat(endOfLife(Map.of("redis_version", "7.4.6"))).isEmpty();
        assertThat(endOfLife(Map.of("redis_version", "8.2.2"))).isEmpty();
        assertThat(endOfLife(Map.of("redis_version", "10.0.0"))).isEmpty();
    }

    @Test
    void valkeyIsJudgedByItsOwnVersionNotTheRedisOneItReports() {
        Map<String, String> info = Map.of("server_name", "valkey", "valkey_version", "8.0.1", "redis_version", "7.2.4");
        assertThat(ServerLifecycle.Server.from(info)).contains(new ServerLifecycle.Server("valkey", "8.0.1"));
        assertThat(ServerLifecycle.Server.from(info).orElseThrow().display()).isEqualTo("Valkey 8.0.1");
        assertThat(endOfLife(info)).isEmpty();
    }

    @Test
    void anUnreadableOrUnknownServerIsNotJudged() {
        assertThat(ServerLifecycle.Server.from(Map.of())).isEmpty();
        assertThat(endOfLife(Map.of("redis_version", "unknown"))).isEmpty();
        assertThat(endOfLife(Map.of("server_name", "dragonfly", "redis_version", "6.2.11"))).isEmpty();
    }

    private static Optional<String> endOfLife(Map<String, String> info) {
        return ServerLifecycle.Server.from(info).flatMap(ServerLifecycle::endOfLife).map(Object::toString);
    }
}
