package dev.integ.api;

import java.util.regex.Pattern;

/**
 * The path of a call as the event log keeps it: words and versions stay ("drive/v3/files",
 * "rest/api/3/issue"), anything that may name a user's data (ids, keys, names) becomes "{id}". The
 * query is never kept: its values are the user's.
 */
public final class PathTemplate {
    private static final Pattern KEPT = Pattern.compile("[A-Za-z][A-Za-z._-]{0,39}|v?\\d{1,2}|\\{[a-zA-Z]+}");

    private PathTemplate() {
    }

    public static String of(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        StringBuilder out = new StringBuilder();
        for (String segment : rawPath.split("/", -1)) {
            if (out.length() > 0 || rawPath.startsWith("/")) {
                out.append(out.length() == 0 && segment.isEmpty() ? "" : "/");
            }
            if (segment.isEmpty()) {
                continue;
            }
            out.append(KEPT.matcher(segment).matches() ? segment : "{id}");
        }
        String path = out.toString().replaceAll("/+", "/");
        return path.startsWith("/") ? path : "/" + path;
    }
}
