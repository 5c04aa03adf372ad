package dev.integ.cli;

/** Provider text on a terminal: control characters and bidi overrides shown as \\uXXXX, so a file name cannot move the cursor or forge a row. */
final class TerminalText {
    private TerminalText() {
    }

    static String safe(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }
}
