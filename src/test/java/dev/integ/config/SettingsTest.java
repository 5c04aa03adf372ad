package dev.integ.config;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.integ.store.ReplicaAcks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** flag > environment > config file > default, for every setting that has all four. */
class SettingsTest {
    @TempDir
    Path home;

    private final Map<String, String> env = new HashMap<>();

    private Environment environment() {
        env.put("HOME", home.toString());
        return new Environment(Map.copyOf(env));
    }

    private void config(String yaml) throws IOException {
        Path file = home.resolve(".config/integ/config.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
    }

    private static Flags flags(String redis, String namespace) {
        return new Flags(redis, null, namespace, null, false, null, null, null, null);
    }

    @Test
    void defaultsWithNothingConfigured() {
        Settings s = Settings.resolve(Flags.NONE, environment());
        assertThat(s.namespace()).isEqualTo("integ");
        assertThat(s.output()).isEqualTo(Settings.Output.TABLE);
        assertThat(s.store().embedded()).isTrue();
        assertThat(s.store().embeddedDir()).isEqualTo(home.resolve(".local/share/integ/redis"));
        assertThat(s.store().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.configPresent()).isFalse();
    }

    @Test
    void configBeatsDefault() throws IOException {
        config("redis:\n  url: redis://from-config:1\n  timeout: 750ms\nnamespace: cfg\noutput: json\n");
        Settings s = Settings.resolve(Flags.NONE, environment());
        assertThat(s.namespace()).isEqualTo("cfg");
        assertThat(s.output()).isEqualTo(Settings.Output.JSON);
        assertThat(s.store().target().orElseThrow().nodes().get(0).host()).isEqualTo("from-config");
        assertThat(s.store().source()).isEqualTo("config " + home.resolve(".config/integ/config.yaml"));
        assertThat(s.store().timeout()).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void environmentBeatsConfig() throws IOException {
        config("redis:\n  url: redis://from-config:1\nnamespace: cfg\n");
        env.put("INTEG_REDIS_URL", "redis://from-env:2");
        env.put("INTEG_NAMESPACE", "envns");
        Settings s = Settings.resolve(Flags.NONE, environment());
        assertThat(s.namespace()).isEqualTo("envns");
        assertThat(s.store().target().orElseThrow().nodes().get(0).host()).isEqualTo("from-env");
        assertThat(s.store().source()).isEqualTo("INTEG_REDIS_URL");
    }

    @Test
    void flagBeatsEnvironment() throws IOException {
        config("namespace: cfg\n");
        env.put("INTEG_REDIS_URL", "redis://from-env:2");
        env.put("INTEG_NAMESPACE", "envns");
        Settings s = Settings.resolve(flags("redis://from-flag:3", "flagns"), environment());
        assertThat(s.namespace()).isEqualTo("flagns");
        assertThat(s.store().target().orElseThrow().nodes().get(0).host()).isEqualTo("from-flag");
        assertThat(s.store().source()).isEqualTo("--redis");
    }

    @Test
    void xdgDirectoriesMoveConfigAndData() throws IOException {
        env.put("XDG_CONFIG_HOME", home.resolve("cfg").toString());
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
        Files.createDirectories(home.resolve("cfg/integ"));
        Files.writeString(home.resolve("cfg/integ/config.yaml"), "namespace: xdg\n");
        Settings s = Settings.resolve(Flags.NONE, environment());
        assertThat(s.namespace()).isEqualTo("xdg");
        assertThat(s.store().embeddedDir()).isEqualTo(home.resolve("data/integ/redis"));
    }

    @Test
    void passwordFromFileFlagBeatsEnvironmentAndIsTrimmed() throws IOException {
        Path file = home.resolve("pw");
        Files.writeString(file, "from-file\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        env.put("INTEG_REDIS_PASSWORD", "from-env");
        Flags flags = new Flags(null, null, null, null, false, file.toString(), null, null, null);
        assertThat(Settings.resolve(flags, environment()).store().password()).contains("from-file");
        assertThat(Settings.resolve(Flags.NONE, environment()).store().password()).contains("from-env");
    }

    @Test
    void namedConfigFileMustExist() {
        env.put("INTEG_CONFIG", home.resolve("missing.yaml").toString());
        assertThatThrownBy(() -> Settings.resolve(Flags.NONE, environment()))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).isEqualTo("config file " + home.resolve("missing.yaml") + " does not exist");
                });
    }

    @Test
    void eventRetentionAndAlertThresholdsFromTheConfigFile() throws IOException {
        config("events:\n  keep: 500\n  keep-for: 30d\n  max-actions-per-hour: 40\n  max-failures-per-15m: 3\n"
                + "  max-failure-rate-percent: 25\n  failure-rate-min-events: 8\n");
        Settings.EventSettings e = Settings.resolve(Flags.NONE, environment()).events();
        assertThat(e.retention().maxEvents()).isEqualTo(500);
        assertThat(e.retention().maxAge()).isEqualTo(Duration.ofDays(30));
        assertThat(e.alerts()).isEqualTo(new dev.integ.events.AlertRules(40, 3, 25, 8));
        assertThat(e.anchorFile()).isEmpty();
    }

    @Test
    void theEventAnchorFileFromTheConfigFileOrTheEnvironmentWhichWins() throws IOException {
        assertThat(Settings.resolve(Flags.NONE, environment()).events().anchorFile()).isEmpty();
        assertThat(Settings.resolve(Flags.NONE, environment()).events().retention().maxEvents()).as("a safety valve far above normal use")
                .isEqualTo(10_000_000L);
        config("events:\n  anchor-file: /var/lib/integ/anchor\n");
        assertThat(Settings.resolve(Flags.NONE, environment()).events().anchorFile()).contains(java.nio.file.Path.of("/var/lib/integ/anchor"));
        env.put("INTEG_EVENTS_ANCHOR_FILE", "/elsewhere/anchor");
        assertThat(Settings.resolve(Flags.NONE, environment()).events().anchorFile()).contains(java.nio.file.Path.of("/elsewhere/anchor"));
    }

    @Test
    void badEventSettingsAreUsageErrors() throws IOException {
        config("events:\n  max-failure-rate-percent: 0\n");
        assertThatThrownBy(() -> Settings.resolve(Flags.NONE, environment()))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("invalid events.max-failure-rate-percent 0: it must be a positive number"));
        config("events:\n  keep-for: 3 weeks\n");
        assertThatThrownBy(() -> Settings.resolve(Flags.NONE, environment()))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage()).startsWith("invalid duration '3 weeks'"));
    }

    @Test
    void badNamespaceIsAUsageError() {
        assertThatThrownBy(() -> Settings.resolve(flags(null, "a:b{c}"), environment()))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage()).startsWith("invalid namespace 'a:b{c}'"));
    }

    @Test
    void replicaAcknowledgementFollowsThePrecedenceOfEverySetting() throws IOException {
        ReplicaAcks.Setting byDefault = Settings.resolve(Flags.NONE, environment()).store().acks();
        assertThat(byDefault.minReplicas()).as("unset: the topology decides").isNull();
        assertThat(byDefault.timeout()).isEqualTo(Duration.ofSeconds(2));

        config("redis:\n  min-replica-acks: 2\n  ack-timeout: 5s\n");
        ReplicaAcks.Setting fromFile = Settings.resolve(Flags.NONE, environment()).store().acks();
        assertThat(fromFile).isEqualTo(new ReplicaAcks.Setting(2, Duration.ofSeconds(5), "config " + home.resolve(".config/integ/config.yaml")));

        env.put("INTEG_REDIS_MIN_REPLICA_ACKS", "1");
        env.put("INTEG_REDIS_ACK_TIMEOUT", "750ms");
        ReplicaAcks.Setting fromEnv = Settings.resolve(Flags.NONE, environment()).store().acks();
        assertThat(fromEnv).isEqualTo(new ReplicaAcks.Setting(1, Duration.ofMillis(750), "INTEG_REDIS_MIN_REPLICA_ACKS"));

        Flags flags = new Flags(null, null, null, null, false, null, null, null, null, "0", "3s");
        ReplicaAcks.Setting fromFlags = Settings.resolve(flags, environment()).store().acks();
        assertThat(fromFlags).isEqualTo(new ReplicaAcks.Setting(0, Duration.ofSeconds(3), "--redis-min-replica-acks"));
    }

    @Test
    void badReplicaAcknowledgementSettingsAreUsageErrors() throws IOException {
        env.put("INTEG_REDIS_MIN_REPLICA_ACKS", "-1");
        assertThatThrownBy(() -> Settings.resolve(Flags.NONE, environment()))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).isEqualTo("invalid redis.min-replica-acks '-1' (from INTEG_REDIS_MIN_REPLICA_ACKS): "
                            + "give a number of replicas from 0 to 16");
                });
        env.remove("INTEG_REDIS_MIN_REPLICA_ACKS");
        config("redis:\n  ack-timeout: soon\n");
        assertThatThrownBy(() -> Settings.resolve(Flags.NONE, environment()))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.getMessage()).startsWith("invalid duration 'soon'"));
    }
}
