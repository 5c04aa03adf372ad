package dev.integ.core;

import java.util.regex.Pattern;

/** The one rule for provider names: they appear in Redis keys and SCAN patterns, so no glob or separator characters. */
public final class ProviderName {
    public static final Pattern PATTERN = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

    private ProviderName() {
    }

    public static boolean valid(String name) {
        return name != null && PATTERN.matcher(name).matches();
    }

    /** @param where how the user gave it ("--provider", "rate-limits"), for the error message */
    public static String require(String name, String where) {
        if (!valid(name)) {
            throw IntegException.usage("invalid provider name '" + Echo.of(name) + "' in " + where,
                    "use 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter", null);
        }
        return name;
    }
}
