package dev.integ.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Help.Ansi;

import java.io.PrintWriter;

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

    public Terminal(PrintWriter out, PrintWriter err, boolean interactive, boolean color) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        this.color = color;
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

    public void error(String message, String hint) {
        err.println("integ: error: " + message);
        if (hint != null && !hint.isBlank()) {
            err.println("integ: hint: " + hint);
        }
        err.flush();
    }

    public void warning(String message) {
        err.println("integ: warning: " + message);
        err.flush();
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

    private ObjectMapper mapper() {
        if (json == null) {
            json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        }
        return json;
    }
}
