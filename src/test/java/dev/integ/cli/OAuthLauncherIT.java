package dev.integ.cli;

import dev.integ.testing.OAuthFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar through ./integ, as separate processes: Jetty's receiver works from the shaded jar
 * and logs nothing, and eight processes asking for one expiring token at once refresh it exactly once.
 */
class OAuthLauncherIT {
    @RegisterExtension
    static final OAuthFixture f = OAuthFixture.start();

    record Run(int exitCode, String out, String err) {
    }

    @Test
    void connectAndTokenFromThePackagedJar() throws Exception {
        Run connect = finish(launch("connect", "google", "--user", "alice", "--timeout", "60s"));
        assertThat(connect.exitCode()).as(connect.err()).isZero();
        assertThat(connect.out()).isEqualTo("connected google/alice (scopes: openid email https://www.googleapis.com/auth/drive.file)\n");
        assertThat(connect.err()).as("no library or JVM output besides integ's own").doesNotContain("jetty", "SLF4J", "WARNING", "INFO");
        Run token = finish(launch("token", "google", "--user", "alice"));
        assertThat(token.exitCode()).isZero();
        assertThat(token.out()).isEqualTo(f.google.latestAccessToken() + "\n");
        assertThat(token.err()).isEmpty();
    }

    @Test
    void eightProcessesShareOneRefreshOfARotatingToken() throws Exception {
        f.jira.accessTokenLifetime(Duration.ofMinutes(1));
        f.connect("jira", "bob");
        f.jira.accessTokenLifetime(Duration.ofHours(1));
        int before = f.jira.refreshGrants();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            processes.add(launch("token", "jira", "--user", "bob"));
        }
        List<String> tokens = new ArrayList<>();
        for (Process p : processes) {
            Run r = finish(p);
            assertThat(r.exitCode()).as(r.err()).isZero();
            tokens.add(r.out().strip());
        }
        assertThat(f.jira.refreshGrants() - before).isEqualTo(1);
        assertThat(tokens).containsOnly(f.jira.latestAccessToken());
    }

    private Process launch(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of("integ").toAbsolutePath().toString());
        command.addAll(List.of(f.vault.withRedis(args)));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(f.vault.cli().environment());
        return builder.start();
    }

    private static Run finish(Process process) throws Exception {
        process.getOutputStream().close();
        var out = process.getInputStream().readAllBytes();
        var err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
