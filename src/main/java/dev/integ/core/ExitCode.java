package dev.integ.core;

/**
 * The exit codes integ promises to scripts and cron. Kept deliberately short: a caller needs to
 * tell "fix your command" from "try again later" from "a person has to look at this".
 */
public enum ExitCode {
    OK(0, "success"),
    FAILURE(1, "failure (a check failed or something went wrong that is none of the below)"),
    USAGE(2, "bad input: bad option, argument, duration, config file or Redis URL, unknown provider, input over a limit"),
    NOT_FOUND(3, "not found or denied"),
    RETRY_LATER(4, "temporary failure, retry later: store unreachable, full, read-only or loading, rate limited, provider 5xx"),
    HUMAN_ACTION(5, "a human must act: re-authorization needed, integrity failure (a damaged record), missing key");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
