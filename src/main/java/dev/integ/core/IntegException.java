package dev.integ.core;

import java.util.Comparator;
import java.util.List;

/**
 * The one failure type every layer throws. Its message is shown to the user as
 * {@code integ: error: <what>: <why>}; it must never contain a secret.
 */
public final class IntegException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ExitCode exitCode;
    private final String hint;
    private final List<Part> parts;

    /** One of several failures reported together: its own error line and hint, printed before the summary. */
    public record Part(String message, String hint) {
    }

    private IntegException(ExitCode exitCode, String what, String why, String hint, Throwable cause) {
        this(exitCode, what, why, hint, cause, List.of());
    }

    private IntegException(ExitCode exitCode, String what, String why, String hint, Throwable cause, List<Part> parts) {
        super(why == null || why.isBlank() ? what : what + ": " + why);
        if (cause != null) {
            initCause(cause);
        }
        this.exitCode = exitCode;
        this.hint = hint;
        this.parts = List.copyOf(parts);
    }

    /**
     * Several failures of one command (a bulk job's per-credential ones) as one: each is reported on its
     * own line with its hint, then {@code what}; the exit code is the gravest of theirs (5 over 4 over 3 ...).
     */
    public static IntegException several(List<Part> parts, List<ExitCode> codes, String what, String why, String hint) {
        ExitCode gravest = codes.stream().max(Comparator.comparingInt(ExitCode::code)).orElse(ExitCode.FAILURE);
        return new IntegException(gravest, what, why, hint, null, parts);
    }

    /** As a part of {@link #several}, its message prefixed by {@code prefix} when given ("slack/alice: ..."). */
    public Part asPart(String prefix) {
        return new Part(prefix == null ? getMessage() : prefix + getMessage(), hint);
    }

    public static IntegException usage(String what, String why, String hint) {
        return new IntegException(ExitCode.USAGE, what, why, hint, null);
    }

    public static IntegException notFound(String what, String why, String hint) {
        return new IntegException(ExitCode.NOT_FOUND, what, why, hint, null);
    }

    public static IntegException retryLater(String what, String why, String hint, Throwable cause) {
        return new IntegException(ExitCode.RETRY_LATER, what, why, hint, cause);
    }

    public static IntegException humanAction(String what, String why, String hint) {
        return new IntegException(ExitCode.HUMAN_ACTION, what, why, hint, null);
    }

    public static IntegException failure(String what, String why, String hint, Throwable cause) {
        return new IntegException(ExitCode.FAILURE, what, why, hint, cause);
    }

    public IntegException withCause(Throwable cause) {
        initCause(cause);
        return this;
    }

    /** The same failure (message, exit code, cause) with another hint. */
    public IntegException withHint(String hint) {
        IntegException e = new IntegException(exitCode, getMessage(), null, hint, getCause(), parts);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** A failure of the same kind (exit code) told with more context; this one becomes its cause. */
    public IntegException explained(String what, String why, String hint) {
        return new IntegException(exitCode, what, why, hint, this);
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    /** The failures this one sums up (see {@link #several}); usually none. */
    public List<Part> parts() {
        return parts;
    }

    /** What the user can do about it, or null. */
    public String hint() {
        return hint;
    }
}
