package dev.integ.testing.torture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Signals to a launched ./integ and everything under it. The launcher execs the JVM once the start-up
 * archive exists, but records the archive from a child JVM the first time; signalling the whole tree
 * reaches the JVM either way, never only the shell script.
 */
final class Signals {
    private Signals() {
    }

    /** SIGKILL to the JVM and the launcher: no shutdown hook, no finally block runs. */
    static void kill(Process process) {
        tree(process).forEach(ProcessHandle::destroyForcibly);
    }

    /** SIGSTOP: the process is frozen wherever it is, like a long GC pause or a stalled VM. */
    static void stop(Process process) {
        send("-STOP", process);
    }

    static void resume(Process process) {
        send("-CONT", process);
    }

    private static Stream<ProcessHandle> tree(Process process) {
        // children first: killing the launcher first could leave its JVM running
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        return all.stream();
    }

    private static void send(String signal, Process process) {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        tree(process).filter(ProcessHandle::isAlive).forEach(h -> command.add(Long.toString(h.pid())));
        if (command.size() == 2) {
            return;
        }
        try {
            // kill(1) fails harmlessly when a process ended in between
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
