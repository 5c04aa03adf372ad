package dev.integ.cli;

import dev.integ.testing.VaultFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ctrl-C on a real `./integ import` process: it stops at the next safe point, says so before the JVM
 * exits, and the rerun finishes. The moment is made exact by pausing Redis' writes (scripts count as
 * writes): the import is held in its first script call, loading the data keyset to compare the
 * lines already stored, when the signal arrives, and goes on only once it has announced that it is
 * stopping. Where an import stops once writing has begun, and what it then says, is
 * ImportAfterFailureTest's part.
 */
class ImportInterruptIT {
    @RegisterExtension
    static final VaultFixture vault = VaultFixture.start();

    @TempDir
    Path dir;

    private static String lines(int from, int to) {
        StringBuilder file = new StringBuilder();
        for (int i = from; i < to; i++) {
            file.append("{\"provider\":\"slack\",\"user\":\"u").append(i).append("\",\"access_token\":\"xoxb-").append(i)
                    .append("\",\"expires_in\":3600}\n");
        }
        return file.toString();
    }

    @Test
    void ctrlCStopsAtASafePointAndSaysWhereTheRerunGoesOn() throws Exception {
        vault.reset();
        Path tokens = Files.writeString(dir.resolve("tokens.jsonl"), lines(0, 1300));
        vault.okWithInput(lines(0, 600), "import", "--file", "-"); // lines 1-600 are stored already

        Process importing;
        Thread stderr;
        List<String> err = new ArrayList<>();
        CountDownLatch announced = new CountDownLatch(1);
        try (Jedis control = vault.jedis()) {
            control.clientPause(120_000, ClientPauseMode.WRITE);
            try {
                importing = launch("import", "--file", tokens.toString());
                stderr = readErr(importing, err, announced);
                awaitBlockedIntegClient(control, importing);
                assertThat(new ProcessBuilder("kill", "-INT", Long.toString(importing.pid())).start().waitFor()).isZero();
                assertThat(announced.await(60, TimeUnit.SECONDS)).as("the stop is announced; stderr so far: %s", err).isTrue();
            } finally {
                control.clientUnpause();
            }
        }
        assertThat(importing.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(importing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        stderr.join(Duration.ofSeconds(60).toMillis()); // the process is gone: its last lines may still be on their way to the list
        assertThat(stderr.isAlive()).as("stderr read to its end").isFalse();

        assertThat(importing.exitValue()).as("the JVM's exit on SIGINT; stderr: %s", err).isEqualTo(130);
        assertThat(out).isEmpty();
        synchronized (err) {
            assertThat(err).containsExactly(
                    "integ: warning: interrupted: stopping at the next safe point (after the batch being written)",
                    "integ: error: import interrupted before anything was written",
                    "integ: hint: rerunning the same file is safe");
        }
        assertThat(vault.credentialKeys()).hasSize(600);
        String events = vault.ok("events", "--action", "import.").out();
        assertThat(events.lines().filter(l -> l.contains("import.")).map(l -> l.split("\\s+")[1]).toList())
                .as("only the first import's: nothing was written, so nothing to record").containsExactly("import.start", "import.success");

        assertThat(vault.ok("import", "--file", tokens.toString()).out())
                .isEqualTo("imported 700 credentials (0 replacing stored ones), 600 unchanged\n");
    }

    private Process launch(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of("integ").toAbsolutePath().toString());
        command.addAll(List.of(vault.withRedis(args)));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(vault.cli().environment());
        builder.environment().put("INTEG_CDS", "off"); // the launcher then execs the JVM: the signal goes to it
        builder.environment().put("INTEG_REDIS_TIMEOUT", "2m"); // held by the pause, not timed out
        Process process = builder.start();
        process.getOutputStream().close();
        return process;
    }

    /** Collects stderr lines; opens {@code announced} at the stop announcement; the thread ends at the end of stderr. */
    private static Thread readErr(Process process, List<String> lines, CountDownLatch announced) {
        Thread reader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    if (line.contains("interrupted: stopping")) {
                        announced.countDown();
                    }
                }
            } catch (IOException closed) {
                // process gone
            }
        }, "import-stderr");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }

    /** Waits until integ's connection is held by the pause (flag b), i.e. the import has reached its first script call. */
    private static void awaitBlockedIntegClient(Jedis control, Process importing) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (control.clientList().lines().noneMatch(c -> c.contains(" name=integ ") && c.matches(".* flags=\\w*b\\w* .*"))) {
            assertThat(importing.isAlive()).as("the import ended before reaching its first script call").isTrue();
            assertThat(System.nanoTime()).as("integ never blocked on the paused store").isLessThan(deadline);
            Thread.sleep(20); // polling observable state, not waiting for a result
        }
    }
}
