package dev.integ.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The one way integ reads and writes durations: {@code 90s}, {@code 5m}, {@code 2h}, {@code 7d}, {@code 1h30m}, or ISO-8601 {@code PT5M}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:ms|s|m|h|d))+");
    /**
     * The longest duration integ accepts anywhere: 100 years. Every duration is added to or taken from
     * a time, and a time past year 9999 (or before 1970, for the event log's stream ids) is an error
     * deep inside whatever uses it; the range is said up front instead.
     */
    public static final Duration MAX = Duration.ofDays(36_500);
    /** How messages state the accepted range. */
    public static final String RANGE = "from 0s to 36500d (100 years)";

    private Durations() {
    }

    public static Duration parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.length() > 64) {
            // no duration in range is this long; and a regex over a megabyte of "1s1s..." would overflow the stack
            throw invalid(text);
        }
        if (s.startsWith("P") || s.startsWith("p")) {
            try {
                return nonNegative(Duration.parse(s), text);
            } catch (DateTimeParseException e) {
                throw invalid(text);
            }
        }
        if (!WHOLE.matcher(s).matches()) {
            throw invalid(text);
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(s);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw invalid(text);
        }
        return inRange(total, text);
    }

    /** The shortest exact form in integ's own notation, e.g. {@code 1h30m} or {@code 250ms}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder(d.isNegative() ? "-" : "");
        Duration rest = d.abs();
        long days = rest.toDays();
        rest = rest.minusDays(days);
        long hours = rest.toHours();
        rest = rest.minusHours(hours);
        long minutes = rest.toMinutes();
        rest = rest.minusMinutes(minutes);
        long seconds = rest.getSeconds();
        long millis = rest.minusSeconds(seconds).toMillis();
        append(out, days, "d");
        append(out, hours, "h");
        append(out, minutes, "m");
        append(out, seconds, "s");
        append(out, millis, "ms");
        return out.toString();
    }

    private static void append(StringBuilder out, long n, String unit) {
        if (n != 0) {
            out.append(n).append(unit);
        }
    }

    private static Duration nonNegative(Duration d, String text) {
        if (d.isNegative()) {
            throw invalid(text);
        }
        return inRange(d, text);
    }

    private static Duration inRange(Duration d, String text) {
        if (d.compareTo(MAX) > 0) {
            throw IntegException.usage("invalid duration '" + Echo.of(text) + "'", "it is too long: give one " + RANGE, null);
        }
        return d;
    }

    private static IntegException invalid(String text) {
        return IntegException.usage("invalid duration '" + Echo.of(text) + "'",
                "expected a number and a unit (ms, s, m, h, d) such as 90s, 5m, 2h, 7d or 1h30m, or ISO-8601 such as PT5M, "
                        + RANGE, null);
    }
}
