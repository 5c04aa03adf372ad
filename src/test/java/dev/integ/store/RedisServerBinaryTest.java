package dev.integ.store;

import dev.integ.core.ExitCode;
import dev.integ.core.IntegException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which server the embedded store runs: INTEG_REDIS_SERVER, else redis-server, else valkey-server on PATH. */
class RedisServerBinaryTest {
    private final Path first = Files.createTempDirectory("integ-path-a");
    private final Path second = Files.createTempDirectory("integ-path-b");
    private final String path = first + ":" + second;

    RedisServerBinaryTest() throws IOException {
    }

    @Test
    void valkeyServerIsTakenWhenThereIsNoRedisServer() throws IOException {
        Path valkey = executable(second.resolve("valkey-server"));
        assertThat(RedisServerBinary.locate(Optional.empty(), Optional.of(path))).isEqualTo(valkey);
    }

    @Test
    void redisServerAnywhereOnPathComesBeforeValkeyServer() throws IOException {
        executable(first.resolve("valkey-server"));
        Path redis = executable(second.resolve("redis-server"));
        assertThat(RedisServerBinary.locate(Optional.empty(), Optional.of(path))).isEqualTo(redis);
    }

    @Test
    void aFileThatIsNotExecutableIsNotAServer() throws IOException {
        Files.writeString(first.resolve("redis-server"), "");
        assertThatThrownBy(() -> RedisServerBinary.locate(Optional.empty(), Optional.of(path)))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION));
    }

    @Test
    void withNeitherItSaysWhatToInstallAndAHumanMustAct() {
        assertThatThrownBy(() -> RedisServerBinary.locate(Optional.empty(), Optional.of(path)))
                .isInstanceOfSatisfying(IntegException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.HUMAN_ACTION);
                    assertThat(e.getMessage()).isEqualTo("the embedded store needs redis-server or valkey-server, and neither is on PATH");
                    assertThat(e.hint()).contains("apt install redis-server", "valkey-server");
                });
    }

    @Test
    void anExplicitBinaryWinsAndMustBeExecutable() throws IOException {
        executable(first.resolve("redis-server"));
        Path mine = executable(second.resolve("my-valkey"));
        assertThat(RedisServerBinary.locate(Optional.of(mine.toString()), Optional.of(path))).isEqualTo(mine);
        assertThatThrownBy(() -> RedisServerBinary.locate(Optional.of(second.resolve("missing").toString()), Optional.of(path)))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
    }

    private static Path executable(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
