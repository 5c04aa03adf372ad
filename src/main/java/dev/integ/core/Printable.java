package dev.integ.core;

/**
 * The one rule for putting stored or typed text in front of a person: control characters (C0, DEL,
 * C1, so every ESC sequence) and the Unicode bidi overrides and isolates are shown as visible escapes
 * ({@code \x1b}, {@code \n}, {@code \u202e}). A user name imported as {@code esc\u001b]0;PWNED\u0007}
 * would otherwise retitle the terminal, and {@code nl\nfake-row  active} would forge a table row.
 * JSON output does not use this: Jackson escapes controls itself, and JSON must stay exact.
 */
public final class Printable {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Printable() {
    }

    /** {@code text} with every unsafe character escaped, line breaks too: for a table cell or a one-line message. */
    public static String escape(String text) {
        return escape(text, false);
    }

    /**
     * @param keepLineBreaks let {@code \n} and {@code \t} through: for multi-line text such as a stack trace
     */
    public static String escape(String text, boolean keepLineBreaks) {
        if (text == null) {
            return null;
        }
        int first = firstUnsafe(text, keepLineBreaks);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (unsafe(c, keepLineBreaks)) {
                appendEscaped(out, c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Whether {@code c} must not reach a terminal as it is. */
    public static boolean unsafe(char c, boolean keepLineBreaks) {
        if (c < 0x20) {
            return !(keepLineBreaks && (c == '\n' || c == '\t'));
        }
        return (c >= 0x7f && c <= 0x9f) // DEL and C1 (0x9b is a one-byte CSI)
                || (c >= '\u202a' && c <= '\u202e') // LRE, RLE, PDF, LRO, RLO
                || (c >= '\u2066' && c <= '\u2069') // LRI, RLI, FSI, PDI
                || c == '\u200e' || c == '\u200f' || c == '\u061c' // LRM, RLM, ALM
                || c == '\u2028' || c == '\u2029'; // line and paragraph separators
    }

    /** Appends the visible form of one unsafe character. */
    public static void appendEscaped(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (c <= 0xff) {
                    out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                } else {
                    out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                }
            }
        }
    }

    private static int firstUnsafe(String text, boolean keepLineBreaks) {
        for (int i = 0; i < text.length(); i++) {
            if (unsafe(text.charAt(i), keepLineBreaks)) {
                return i;
            }
        }
        return -1;
    }
}
