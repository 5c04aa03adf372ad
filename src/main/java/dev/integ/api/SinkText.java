package dev.integ.api;

import dev.integ.core.IntegException;

/** Checks shared by every sink: what no API here can take is refused by name, never stripped. */
final class SinkText {
    private SinkText() {
    }

    /** @param what how the error names the value ("--text", "the summary") */
    static String requireNoNul(String text, String what, String sink) {
        int at = text.indexOf('\u0000');
        if (at >= 0) {
            throw IntegException.usage(what + " contains a NUL character (U+0000) at position " + at, sink + " cannot take it",
                    "remove it; nothing was sent");
        }
        return text;
    }

    static int characters(String s) {
        return s.codePointCount(0, s.length());
    }
}
