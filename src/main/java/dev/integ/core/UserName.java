package dev.integ.core;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;

/**
 * The one rule for integ's user names, applied by every command that takes one (and by import to each
 * line) before anything starts. A name becomes part of a Redis key and of every event, and is shown
 * to admins, so it must be bounded and must look like what it is:
 * <ul>
 *   <li>1 to {@value #MAX_LENGTH} characters (Unicode code points), after normalisation;</li>
 *   <li>no control characters (C0, C1, DEL), no line or paragraph separators, and no format characters:
 *       bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069), marks (U+200E, U+200F),
 *       zero-width characters (U+200B-U+200D, U+FEFF): they hide or reorder what an admin reads;</li>
 *   <li>no white space at either end (invisible in a listing: "alice " would be another user);</li>
 *   <li>normalised to Unicode NFC, so "é" typed as one character or as "e" + accent is one user.</li>
 * </ul>
 */
public record UserName(String value) {
    public static final int MAX_LENGTH = 256;
    /** What every refusal says after its reason, so the rule reads the same from every command. */
    public static final String RULE = "a user name is 1 to " + MAX_LENGTH + " characters, without control, bidi or zero-width "
            + "characters and without white space at either end";

    /** The name as integ stores it (NFC), or a usage error (exit 2) saying what is wrong with it. */
    public static UserName of(String name) {
        String normalised = name == null ? "" : Normalizer.normalize(name, Normalizer.Form.NFC);
        problem(normalised).ifPresent(why -> {
            throw IntegException.usage(message(why), null, null);
        });
        return new UserName(normalised);
    }

    /** The refusal of {@code name} in the words every command uses (the name itself is never repeated: it may be 10 KB of anything). */
    public static Optional<String> refusal(String name) {
        return problem(name == null ? "" : Normalizer.normalize(name, Normalizer.Form.NFC)).map(UserName::message);
    }

    private static String message(String why) {
        return "invalid user name: " + why + "; " + RULE;
    }

    private static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("it is empty");
        }
        int length = name.codePointCount(0, name.length());
        if (length > MAX_LENGTH) {
            return Optional.of("it is " + length + " characters long");
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            String kind = forbidden(c);
            if (kind != null) {
                return Optional.of("it contains " + kind + " (U+" + String.format(Locale.ROOT, "%04X", c) + ")");
            }
            i += Character.charCount(c);
        }
        if (Character.isWhitespace(name.codePointAt(0)) || Character.isWhitespace(name.codePointBefore(name.length()))
                || Character.isSpaceChar(name.codePointAt(0)) || Character.isSpaceChar(name.codePointBefore(name.length()))) {
            return Optional.of("it starts or ends with white space");
        }
        return Optional.empty();
    }

    private static String forbidden(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL -> "a control character";
            case Character.FORMAT -> "a bidi or zero-width formatting character";
            case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> "a line separator";
            case Character.SURROGATE -> "half of a character (a lone surrogate)";
            default -> null;
        };
    }

    @Override
    public String toString() {
        return value;
    }
}
