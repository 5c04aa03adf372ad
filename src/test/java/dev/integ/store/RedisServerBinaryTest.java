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
    private final Path unpack = Files.createTempDirectory("integ-unpack").resolve("bin");

    RedisServerBinaryTest() throws IOException {
    }

    @Test
    void valkeyServerIsTakenWhenThereIsNoRedisServer() throws IOException {
        Path valkey = executable(second.resolve("valkey-server"));
        assertThat(RedisServerBinary.locate(Optional.empty(), Optional.of(path), unpack)).isEqualTo(valkey);
    }

    @Test
    void redisServerAnywhereOnPathComesBeforeValkeyServer() throws IOException {
        executable(first.resolve("valkey-server"));
        Path redis = executable(second.resolve("redis-server"));
        assertThat(RedisServerBinary.locate(Optional.empty(), Optional.of(path), unpack)).isEqualTo(redis);
    }

    @Test
    void aFileThatIsNotExecutableIsNotAServer() throws IOException {
        Path notExecutable = first.resolve("redis-server");
        Files.writeString(notExecutable, "");
        assertThat(RedisServerBinary.locate(Optional.empty(), Optional.of(path), unpack)).isNotEqualTo(notExecutable).hasParent(unpack);
    }

    @Test
    void withNeitherTheBundledFallbackIsUnpackedOnceIntoAPrivateDirectory() throws IOException {
        Path fallback = RedisServerBinary.locate(Optional.empty(), Optional.of(path), unpack);
        assertThat(fallback.getParent()).isEqualTo(unpack);
        assertThat(fallback.getFileName().toString()).startsWith("redis-server-7.");
        assertThat(Files.isExecutable(fallback)).isTrue();
        assertThat(Files.getPosixFilePermissions(unpack)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(RedisServerBinary.locate(Optional.of(RedisServerBinary.BUNDLED), Optional.of(path), unpack)).isEqualTo(fallback);
    }

    @Test
    void bundledSkipsPath() throws IOException {
        Path redis = executable(first.resolve("redis-server"));
        assertThat(RedisServerBinary.locate(Optional.of(RedisServerBinary.BUNDLED), Optional.of(path), unpack)).isNotEqualTo(redis)
                .hasParent(unpack);
    }

    @Test
    void anExplicitBinaryWinsAndMustBeExecutable() throws IOException {
        executable(first.resolve("redis-server"));
        Path mine = executable(second.resolve("my-valkey"));
        assertThat(RedisServerBinary.locate(Optional.of(mine.toString()), Optional.of(path), unpack)).isEqualTo(mine);
        assertThatThrownBy(() -> RedisServerBinary.locate(Optional.of(second.resolve("missing").toString()), Optional.of(path), unpack))
                .isInstanceOfSatisfying(IntegException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
    }

    private static Path executable(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
