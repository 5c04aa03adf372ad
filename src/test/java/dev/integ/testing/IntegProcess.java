package dev.integ.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real {@code ./integ} process (the packaged jar, for *IT tests), with the signals an operator's bad
 * night sends it: SIGSTOP/SIGCONT (a pause), SIGTERM, SIGKILL. Signals go to the launcher and to the
 * JVM it starts, which is its child while the launcher records the start-up archive. Output is drained
 * on background threads so a chatty process never blocks on a full pipe.
 */
public final class IntegProcess {
    private final Process process;
    private final CompletableFuture<String> out;
    private final CompletableFuture<String> err;

    public record Result(int exitCode, String out, String err) {
    }

    private IntegProcess(Process process) {
        this.process = process;
        this.out = drain(process.getInputStream());
        this.err = drain(process.getErrorStream());
    }

    /** Starts {@code ./integ args} with exactly {@code env} as its environment; stdin is closed at once. */
    public static IntegProcess start(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of("integ").toAbsolutePath().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            Process p = builder.start();
            p.getOutputStream().close();
            return new IntegProcess(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code ./integ args} with {@code stdin} written to its standard input by a background thread,
     * as a pipe from another program would: the thread stops when the input ends or integ closes the pipe
     * (it exited, having read what it wanted). {@code fed} counts what went into the pipe.
     */
    public static IntegProcess startFeeding(Map<String, String> env, InputStream stdin, AtomicLong fed,
                                            String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of("integ").toAbsolutePath().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            Process p = builder.start();
            Thread feeder = new Thread(() -> {
                byte[] buffer = new byte[1 << 16];
                try (OutputStream pipe = p.getOutputStream()) {
                    int n;
                    while ((n = stdin.read(buffer)) != -1) {
                        pipe.write(buffer, 0, n);
                        fed.addAndGet(n);
                    }
                } catch (IOException closedByIntegOrEnded) {
                    // a broken pipe: integ stopped reading and exited
                }
            }, "integ-process-input");
            feeder.setDaemon(true);
            feeder.start();
            return new IntegProcess(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Signals the launcher and, while it records the start-up archive, the JVM it started as its child. */
    public void signal(String signal) {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants().filter(ProcessHandle::isAlive).forEach(d -> pids.add(d.pid()));
        Signals.send(signal, pids);
    }

    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    /** Waits for the process to end on its own; fails the test if it takes longer than {@code limit}. */
    public Result finish(Duration limit) {
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                signal("KILL");
                throw new AssertionError("./integ did not finish within " + limit + "; killed. stderr so far:\n" + err.getNow(""));
            }
            return new Result(process.exitValue(), out.get(30, TimeUnit.SECONDS), err.get(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("");
            }
        }, "integ-process-output");
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
