package dev.integ.api;

import dev.integ.core.IntegException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Message text as Slack takes it: {@code &}, {@code <} and {@code >} escaped as {@code &amp; &lt; &gt;}
 * (Slack's control characters for links and mentions), everything else exactly as typed. Text longer than
 * Slack's limit is refused or split at line breaks, never cut: Slack itself would cut it silently.
 */
public final class SlackText {
    /** Slack truncates chat.postMessage text above this many characters (PROVIDERS.md §1.8). */
    public static final int LIMIT = 40_000;
    private static final Pattern CHANNEL_ID = Pattern.compile("[CGD][A-Z0-9]{8,20}");
    private static final Pattern CHANNEL_NAME = Pattern.compile("#[a-z0-9][a-z0-9._-]{0,79}");

    private SlackText() {
    }

    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** A channel ID (C..., G..., D...) or #name, checked before any call. */
    public static String channel(String channel) {
        if (channel == null || !(CHANNEL_ID.matcher(channel).matches() || CHANNEL_NAME.matcher(channel).matches())) {
            throw IntegException.usage("invalid --channel '" + Verification.printable(String.valueOf(channel)) + "'",
                    "give a channel ID (C0123ABCD, G..., D...) or #name (lowercase letters, digits, - _ .)", null);
        }
        return channel;
    }

    /**
     * The escaped parts to post: one, or with {@code split} as many as needed, each within {@link #LIMIT},
     * cut after a line break where there is one in the second half of a part.
     */
    public static List<String> parts(String text, boolean split) {
        SinkText.requireNoNul(text, "the text", "Slack");
        if (text.isBlank()) {
            throw IntegException.usage("the text is empty", "Slack posts no empty message", null);
        }
        String escaped = escape(text);
        int length = SinkText.characters(escaped);
        if (length <= LIMIT) {
            return List.of(escaped);
        }
        if (!split) {
            throw IntegException.usage("the text is " + length + " characters once escaped", "Slack takes at most " + LIMIT
                    + " and would cut the rest silently", "shorten it, or add --split to post it as several messages");
        }
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        int partLength = 0;
        int lastBreak = -1;
        int breakLength = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            String piece = escape(new String(Character.toChars(cp)));
            int pieceLength = SinkText.characters(piece);
            if (partLength + pieceLength > LIMIT) {
                if (lastBreak > 0 && breakLength > LIMIT / 2) {
                    parts.add(part.substring(0, lastBreak));
                    String rest = part.substring(lastBreak);
                    part.setLength(0);
                    part.append(rest);
                    partLength = SinkText.characters(rest);
                } else {
                    parts.add(part.toString());
                    part.setLength(0);
                    partLength = 0;
                }
                lastBreak = -1;
            }
            part.append(piece);
            partLength += pieceLength;
            if (cp == '\n') {
                lastBreak = part.length();
                breakLength = partLength;
            }
        }
        if (part.length() > 0) {
            parts.add(part.toString());
        }
        return parts;
    }
}
