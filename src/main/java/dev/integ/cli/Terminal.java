package dev.integ.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;
import dev.integ.core.Printable;
import dev.integ.vault.KeyRotation;
import picocli.CommandLine.Help.Ansi;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Where a command writes: results to stdout, errors and hints to stderr. Output rules live here:
 * colors only on a terminal, judged per stream (stdout piped, stderr still coloured), and never with
 * --no-color, NO_COLOR or TERM=dumb; errors are one line, {@code integ: error: what: why}, with an
 * optional {@code integ: hint: ...} line.
 */
public final class Terminal {
    private final PrintWriter out;
    private final PrintWriter err;
    private final Supplier<ConsoleStreams> detect;
    private ConsoleStreams streams;
    private boolean color;
    private boolean quiet;
    private ObjectMapper json;
    private final List<Runnable> whenReported = new ArrayList<>();

    private final InputStream in;

    /**
     * @param streams which streams are terminals; asked at most once, and only when a command first
     *                needs to know (the native look-up is not free: docs/benchmarks.md)
     * @param color   colours are allowed at all (no NO_COLOR, no TERM=dumb)
     */
    public Terminal(InputStream in, PrintWriter out, PrintWriter err, Supplier<ConsoleStreams> streams, boolean color) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.detect = streams;
        this.color = color;
    }

    private ConsoleStreams streams() {
        if (streams == null) {
            streams = detect.get();
        }
        return streams;
    }

    /** Standard input: import reads it with --file -, forget asks on it. */
    public InputStream in() {
        return in;
    }

    /**
     * Asks a yes/no question on a terminal. Without one (cron, pipes) nothing is asked and the answer
     * is no: destructive commands then need --yes.
     */
    public boolean confirm(String question) {
        if (!interactive()) {
            return false;
        }
        err.print(Printable.escape(question) + " [y/N] ");
        err.flush();
        try {
            StringBuilder line = new StringBuilder();
            int c;
            // an answer is a word: whatever else is typed or piped in is read no further than that
            while ((c = in.read()) != -1 && c != '\n' && line.length() < 16) {
                line.append((char) c);
            }
            return line.toString().trim().equalsIgnoreCase("y") || line.toString().trim().equalsIgnoreCase("yes");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What {@code read} returns (it reads standard input), or empty when it has not returned within
     * {@code within}. A blocked read cannot be interrupted, so it runs on a daemon thread that is left
     * behind on timeout (it ends with the process). What it throws is thrown here.
     */
    public <T> Optional<T> readWithin(Duration within, Callable<T> read) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                result.complete(read.call());
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
            }
        }, "integ-stdin");
        reader.setDaemon(true);
        reader.start();
        try {
            return Optional.of(result.get(within.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException nothingYet) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted while waiting for input", null, "run the command again", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw IntegException.failure("cannot read standard input", e.getCause().getMessage(), null, e.getCause());
        }
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    /** True when a person can be asked: the question goes to stderr and the answer comes from stdin, both a terminal. */
    public boolean interactive() {
        return streams().stdin() && streams().stderr();
    }

    /** Colours on stdout. */
    public boolean color() {
        return color && streams().stdout();
    }

    /** Colours on stderr, judged on their own: {@code integ token | pbcopy} still gets coloured warnings. */
    boolean errorColor() {
        return color && streams().stderr();
    }

    /** picocli's colours for what goes to stdout. */
    public Ansi ansi() {
        return color() ? Ansi.ON : Ansi.OFF;
    }

    /** picocli's colours for what goes to stderr (a command group's usage). */
    Ansi errorAnsi() {
        return errorColor() ? Ansi.ON : Ansi.OFF;
    }

    void applyOptions(GlobalOptions options) {
        color = color && !options.noColor;
        quiet = options.quiet();
    }

    public boolean quiet() {
        return quiet;
    }

    /** Styled text in picocli markup, e.g. {@code @|green ✓|@}; plain when colors are off. */
    public String style(String markup) {
        return ansi().string(markup);
    }

    /**
     * Prints {@code integ: error: MESSAGE} and, when given, {@code integ: hint: HINT}: one line each
     * whatever they hold (control characters and bidi overrides shown escaped, see {@link Printable}),
     * and bounded, so no value echoed in a message can flood the terminal.
     */
    public void error(String message, String hint) {
        err.println(errorAnsi().string("@|bold,red integ: error:|@ ") + line(message));
        if (hint != null && !hint.isBlank()) {
            err.println(errorAnsi().string("@|bold integ: hint:|@ ") + line(hint));
        }
        err.flush();
    }

    /**
     * Runs {@code action} once the command's outcome is printed: its output, or the error ErrorReporter
     * prints after the command threw (that is after the command's own finally blocks, so a command
     * cannot know it). A job stopped by Ctrl-C holds the JVM until then (see StopOnShutdown): the JVM
     * exits as soon as its shutdown hook returns, whatever the main thread is still printing.
     */
    void whenReported(Runnable action) {
        whenReported.add(action);
    }

    /** The command's outcome is printed (Main, once the command line has run): flushes, then runs what waited for it. */
    void reported() {
        out.flush();
        err.flush();
        whenReported.forEach(Runnable::run);
        whenReported.clear();
    }

    /** Something the user should know once, not a problem: printed even with -q, since it is said only once. */
    public void note(String message) {
        err.println("integ: note: " + message);
        err.flush();
    }

    public void warning(String message) {
        err.println(errorAnsi().string("@|bold,yellow integ: warning:|@ ") + line(message));
        err.flush();
    }

    /**
     * The longest message line printed; the values messages repeat are shortened to {@link Echo#MAX_CHARS}
     * where they are echoed, and this is the last guard for any path that forgot.
     */
    static final int MAX_LINE = 4_000;

    private static String line(String text) {
        String safe = Printable.escape(String.valueOf(text));
        return safe.length() <= MAX_LINE ? safe : safe.substring(0, MAX_LINE) + "…(" + (safe.length() - MAX_LINE) + " more characters)";
    }

    /**
     * A progress bar on stderr, redrawn in place, when a person is watching; silent otherwise (cron,
     * pipes, -q), so logs never fill with carriage returns.
     */
    public KeyRotation.Progress progress(String label) {
        if (!streams().stderr() || quiet) {
            return KeyRotation.Progress.NONE;
        }
        return (done, total) -> {
            if (total > 0) {
                int width = 30;
                int filled = (int) Math.min(width, done * width / Math.max(1, total));
                err.printf("\r%s [%s%s] %d%% %,d/%,d", label, "#".repeat(filled), " ".repeat(width - filled),
                        Math.min(100, done * 100 / Math.max(1, total)), done, total);
            } else {
                err.printf("\r%s %,d", label, done);
            }
            err.flush();
        };
    }

    /** Ends a progress bar's line. */
    public void progressDone() {
        if (streams().stderr() && !quiet) {
            err.print("\r\033[K");
            err.flush();
        }
    }

    /** One JSON document, indented for people; jq reads it all the same. */
    public void printJson(Object document) {
        try {
            out.println(mapper().writerWithDefaultPrettyPrinter().writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
        out.flush();
    }

    /** A compact JSON writer on stdout, for documents written piece by piece; never closes stdout. */
    public JsonGenerator jsonGenerator() throws IOException {
        JsonGenerator generator = new JsonFactory().createGenerator(out)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        generator.setRootValueSeparator(null); // the caller writes its own separators
        return generator;
    }

    private ObjectMapper mapper() {
        if (json == null) {
            // times and durations as ISO-8601 strings (2026-11-27T10:00:00Z, PT1.5S)
            // snake_case keys in every document, as the hand-built ones (list, doctor) have
            json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .registerModule(new SimpleModule()
                            .addSerializer(Instant.class, ToStringSerializer.instance)
                            .addSerializer(Duration.class, ToStringSerializer.instance));
        }
        return json;
    }
}
