package dev.integ.core;

import java.nio.charset.StandardCharsets;

/**
 * How a message repeats a value the user gave (an option, a config value, a file name): whole when
 * short, else its first {@value #MAX_CHARS} characters and its size, so a 10 MB config value never
 * becomes a 10 MB error line. Messages never repeat secrets at all, so this is only for what is safe to show.
 */
public final class Echo {
    /** Characters of a value repeated in a message; the rest is counted, not shown. */
    public static final int MAX_CHARS = 80;

    private Echo() {
    }

    /** {@code value}, or its first {@value #MAX_CHARS} characters and "…(N bytes)" when it is longer. */
    public static String of(String value) {
        return of(value, MAX_CHARS);
    }

    /** {@code value}, or its first {@code maxChars} characters and "…(N bytes)" when it is longer (a message quoting a value). */
    public static String of(String value, int maxChars) {
        if (value == null || value.length() <= maxChars) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return value.substring(0, end) + "…(" + value.getBytes(StandardCharsets.UTF_8).length + " bytes)";
    }
}
