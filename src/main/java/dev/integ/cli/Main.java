package dev.integ.cli;

import dev.integ.Services;
import dev.integ.config.Environment;
import dev.integ.core.ExitCode;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;

/** Entry point. {@link #run} is what tests call: no System.exit, no global streams. */
public final class Main {
    private Main() {
    }

    /** Jedis logs through SLF4J (slf4j-simple); its chatter is only for -v. Read once, at the first logger. */
    private static void quietLibraryLogging(boolean verbose) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "off");
            System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        }
    }

    public static void main(String[] args) {
        // buffered and flushed by the commands (and at exit): a flush per line costs a system call per row on bulk output
        PrintWriter out = new PrintWriter(new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int code = run(args, Environment.system(), System.in, out, err, ConsoleStreams::detect);
        out.flush();
        err.flush();
        if (Boolean.getBoolean("integ.cds.record")) {
            StartupTraining.run();
        }
        System.exit(code);
    }

    /** @param interactive all three standard streams are a terminal (tests), or none is */
    public static int run(String[] args, Environment env, InputStream in, PrintWriter out, PrintWriter err, boolean interactive) {
        return run(args, new Services(env), in, out, err, interactive);
    }

    /** With {@code services} built by the caller (a test's, with its own poll clock); closes them. */
    public static int run(String[] args, Services services, InputStream in, PrintWriter out, PrintWriter err, boolean interactive) {
        ConsoleStreams streams = interactive ? ConsoleStreams.ALL : ConsoleStreams.NONE;
        return run(args, services, in, out, err, () -> streams);
    }

    static int run(String[] args, Environment env, InputStream in, PrintWriter out, PrintWriter err, Supplier<ConsoleStreams> streams) {
        return run(args, new Services(env), in, out, err, streams);
    }

    /** @param streams which standard streams are a terminal, asked only when a command first needs to know */
    static int run(String[] args, Services services, InputStream in, PrintWriter out, PrintWriter err, Supplier<ConsoleStreams> streams) {
        Environment env = services.environment();
        quietLibraryLogging(Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose")));
        boolean color = !env.isSet("NO_COLOR") && !"dumb".equals(env.get("TERM").orElse(""));
        Terminal terminal = new Terminal(in, out, err, streams, color);
        try (services) {
            return CommandLineFactory.create(services, terminal, args).execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // the last guard: every input has a bound, but an error of the JVM is still one line, not a trace
            terminal.error("integ ran out of " + (e instanceof OutOfMemoryError ? "memory" : "stack"),
                    "an input is larger than integ can handle; see 'Limits on input' in README.md");
            return ExitCode.FAILURE.code();
        } finally {
            // after ErrorReporter: a Ctrl-C'd job's shutdown hook lets the JVM exit only once its error is printed
            terminal.reported();
        }
    }
}
