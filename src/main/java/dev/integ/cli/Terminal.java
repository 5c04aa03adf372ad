package dev.integ.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.integ.core.Echo;
import dev.integ.core.IntegException;
import dev.integ.core.Printable;
import picocli.CommandLine.Help.Ansi;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where a command writes: results to stdout, errors and hints to stderr. Output rules live here:
 * colors only on a terminal and never with --no-color or NO_COLOR; errors are one line,
 * {@code integ: error: what: why}, with an optional {@code integ: hint: ...} line.
 */
public final class Terminal {
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean interactive;
    private boolean color;
    private boolean quiet;
    private ObjectMapper json;

    private final java.io.InputStream in;

    public Terminal(java.io.InputStream in, PrintWriter out, PrintWriter err, boolean interactive, boolean color) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        this.color = color;
    }

    /** Standard input: import reads it with --file -, forget asks on it. */
    public java.io.InputStream in() {
        return in;
    }

    /**
     * Asks a yes/no question on a terminal. Without one (cron, pipes) nothing is asked and the answer
     * is no: destructive commands then need --yes.
     */
    public boolean confirm(String question) {
        if (!interactive) {
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
        } catch (java.io.IOException e) {
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

    /** True when a person is watching stdout (progress bars and colors make sense). */
    public boolean interactive() {
        return interactive;
    }

    public boolean color() {
        return color;
    }

    public Ansi ansi() {
        return color ? Ansi.ON : Ansi.OFF;
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
        err.println("integ: error: " + line(message));
        if (hint != null && !hint.isBlank()) {
            err.println("integ: hint: " + line(hint));
        }
        err.flush();
    }

    /** Something the user should know once, not a problem: printed even with -q, since it is said only once. */
    public void note(String message) {
        err.println("integ: note: " + message);
        err.flush();
    }

    public void warning(String message) {
        err.println("integ: warning: " + line(message));
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
    public dev.integ.vault.KeyRotation.Progress progress(String label) {
        if (!interactive || quiet) {
            return dev.integ.vault.KeyRotation.Progress.NONE;
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
        if (interactive && !quiet) {
            err.print("\r\033[K");
            err.flush();
        }
    }

    /** One JSON document, indented for people; jq reads it all the same. */
    public void printJson(Object document) {
        try {
            out.println(mapper().writerWithDefaultPrettyPrinter().writeValueAsString(document));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
        out.flush();
    }

    /** A compact JSON writer on stdout, for documents written piece by piece; never closes stdout. */
    public com.fasterxml.jackson.core.JsonGenerator jsonGenerator() throws java.io.IOException {
        com.fasterxml.jackson.core.JsonGenerator generator = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)
                .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        generator.setRootValueSeparator(null); // the caller writes its own separators
        return generator;
    }

    private ObjectMapper mapper() {
        if (json == null) {
            // times and durations as ISO-8601 strings (2026-11-27T10:00:00Z, PT1.5S)
            // snake_case keys in every document, as the hand-built ones (list, doctor) have
            json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                    .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
                    .registerModule(new com.fasterxml.jackson.databind.module.SimpleModule()
                            .addSerializer(java.time.Instant.class, com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance)
                            .addSerializer(java.time.Duration.class, com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance));
        }
        return json;
    }
}
