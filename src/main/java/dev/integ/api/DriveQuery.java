package dev.integ.api;

/**
 * Values inside a Drive {@code q}: a string literal in single quotes, with backslash escaped first and
 * then the single quote (Drive's search-terms guide: "Escape single quotes in queries with \'").
 * Nothing is stripped: "O'Brien" finds O'Brien.
 */
public final class DriveQuery {
    private DriveQuery() {
    }

    public static String literal(String value) {
        SinkText.requireNoNul(value, "the search text", "Drive");
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Files whose name contains {@code text} (Drive matches name prefixes of words), not in the trash. */
    public static String nameContains(String text) {
        return "name contains " + literal(text) + " and trashed = false";
    }
}
