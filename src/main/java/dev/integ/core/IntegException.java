package dev.integ.core;

/**
 * The one failure type every layer throws. Its message is shown to the user as
 * {@code integ: error: <what>: <why>}; it must never contain a secret.
 */
public final class IntegException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ExitCode exitCode;
    private final String hint;

    private IntegException(ExitCode exitCode, String what, String why, String hint, Throwable cause) {
        super(why == null || why.isBlank() ? what : what + ": " + why);
        if (cause != null) {
            initCause(cause);
        }
        this.exitCode = exitCode;
        this.hint = hint;
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
        IntegException e = new IntegException(exitCode, getMessage(), null, hint, getCause());
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

    /** What the user can do about it, or null. */
    public String hint() {
        return hint;
    }
}
