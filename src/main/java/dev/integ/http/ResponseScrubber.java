package dev.integ.http;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes a provider's response body fit to show in an error message: anything token-like is replaced
 * by {@value #REDACTED}, control characters (a terminal escape in a hostile body) become spaces, and
 * the result is cut to {@value #MAX_CHARS} characters.
 *
 * <p>Redaction runs before the cut, on the first {@value #SCAN_CHARS} characters, so that a cut can't
 * leave the first half of a token that no pattern recognises any more. The patterns are deliberately
 * greedy: hiding a harmless id costs a little diagnosis, showing a token costs a credential.
 */
public final class ResponseScrubber {
    public static final int MAX_CHARS = 200;
    static final String REDACTED = "[redacted]";
    private static final int SCAN_CHARS = 16 * 1024;

    /** Field names that hold secrets: access_token, refresh_token, id_token, client_secret, code, nextPageToken... */
    private static final String SECRET_NAME =
            "(?i:[a-z_]*(?:token|secret|password|assertion|credential)[a-z_]*|code|device_code|user_code|authorization_code|api_?key)";

    private record Rule(Pattern pattern, String replacement) {
        Rule(String regex, String replacement) {
            this(Pattern.compile(regex), replacement);
        }
    }

    private static final List<Rule> RULES = List.of(
            // "access_token": "..." in JSON, also when the body was cut inside the value (no closing quote);
            // written as an unrolled loop because an alternation inside * recurses per character in java.util.regex
            new Rule("\"(" + SECRET_NAME + ")\"\\s*:\\s*\"[^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+\"?", "\"$1\":\"" + REDACTED + "\""),
            // access_token=... in a form-encoded body or a URL echoed back
            new Rule("(?<![A-Za-z0-9_])(" + SECRET_NAME + ")=[^&\\s\"',;]*", "$1=" + REDACTED),
            // an Authorization header echoed back
            new Rule("(?i)\\b(bearer)\\s+[A-Za-z0-9._~+/=-]+", "$1 " + REDACTED),
            new Rule("\\b(Basic)\\s+[A-Za-z0-9+/=]{8,}", "$1 " + REDACTED),
            // Slack tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, rotated xoxe.xoxp-, refresh xoxe-1-, app-level xapp-
            new Rule("\\bxox[a-z](?:\\.xox[a-z])?-[A-Za-z0-9-]+|\\bxapp-[A-Za-z0-9-]+", REDACTED),
            // Google access tokens (ya29.) and refresh tokens (1//)
            new Rule("\\bya29\\.[A-Za-z0-9._-]+|\\b1//[A-Za-z0-9._-]+", REDACTED),
            // JWTs (Atlassian access tokens, Google id tokens) and other a.b.c tokens
            new Rule("\\beyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*+"
                    + "|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{16,}+\\.[A-Za-z0-9_-]{16,}+\\.[A-Za-z0-9_-]{16,}+", REDACTED),
            // any other long base64url run: opaque tokens, secrets, codes
            new Rule("[A-Za-z0-9_-]{32,}", REDACTED));

    private static final Pattern CONTROL_AND_SPACES = Pattern.compile("[\\p{Cntrl}\\s]+");

    private ResponseScrubber() {
    }

    /** The body, safe for a message: scrubbed, on one line, at most {@value #MAX_CHARS} characters (plus "..."). */
    public static String scrub(String body) {
        if (body == null || body.isEmpty()) {
            return "";
        }
        String text = body.length() > SCAN_CHARS ? body.substring(0, SCAN_CHARS) : body;
        for (Rule rule : RULES) {
            text = rule.pattern().matcher(text).replaceAll(rule.replacement());
        }
        text = CONTROL_AND_SPACES.matcher(text).replaceAll(" ").strip();
        return text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) + "..." : text;
    }
}
