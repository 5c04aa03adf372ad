package dev.integ.testing.fakes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Drive v3 as integ calls it (PROVIDERS.md §2.7-2.8): {@code about} (fields required) and
 * {@code files.list}: a {@code q} parsed by Drive's grammar for the terms integ writes (string literals in
 * single quotes, {@code \'} and {@code \\} escapes, joined by {@code and}), {@code pageSize} 1-1000,
 * {@code nextPageToken} paging. A literal Drive cannot parse is a 400 "Invalid Value", as Drive answers.
 */
public final class FakeDriveApi extends FakeApi {
    /** A file in the fake drive. */
    public record File(String id, String name, String mimeType, String modifiedTime, String size) {
    }

    private final FakeGoogle google;
    private volatile List<File> files = List.of();
    private volatile int maxPageSize = 1000;
    private final List<String> parsedLiterals = new CopyOnWriteArrayList<>();

    FakeDriveApi(FakeGoogle google) {
        super(google);
        this.google = google;
        route("/drive/v3/about", google::about, "GET");
        route("/drive/v3/files", this::files, "GET");
    }

    /** Answers at most this many files a page, whatever pageSize asked (Drive may return fewer). */
    public FakeDriveApi maxPageSize(int n) {
        maxPageSize = n;
        return this;
    }

    public FakeDriveApi files(List<File> files) {
        this.files = List.copyOf(files);
        return this;
    }

    /** Every string literal of every q, as Drive decoded it: what the user's text arrived as. */
    public List<String> parsedLiterals() {
        return List.copyOf(parsedLiterals);
    }

    @Override
    public void clear() {
        super.clear();
        parsedLiterals.clear();
        files = List.of();
        maxPageSize = 1000;
    }

    private FakeServer.Response files(FakeServer.Request request) {
        if (google.validBearer(request) == null) {
            return FakeGoogle.unauthenticated();
        }
        Map<String, String> p = request.query();
        int pageSize = 100;
        if (p.containsKey("pageSize")) {
            try {
                pageSize = Integer.parseInt(p.get("pageSize"));
            } catch (NumberFormatException e) {
                pageSize = -1;
            }
            if (pageSize < 1 || pageSize > 1000) {
                return invalid("Invalid value '" + p.get("pageSize") + "'. Values must be within the range: [1, 1000]", "pageSize");
            }
        }
        Predicate<File> filter;
        try {
            filter = p.containsKey("q") ? new Query(p.get("q")).parse() : f -> true;
        } catch (IllegalArgumentException e) {
            return invalid("Invalid Value", "q");
        }
        List<File> matching = files.stream().filter(filter).toList();
        int from = p.containsKey("pageToken") ? Integer.parseInt(p.get("pageToken").substring("page-".length())) : 0;
        int to = Math.min(matching.size(), from + Math.min(pageSize, maxPageSize));
        List<Map<String, Object>> out = new ArrayList<>();
        for (File f : matching.subList(Math.min(from, matching.size()), to)) {
            Map<String, Object> m = FakeProvider.obj("id", f.id(), "name", f.name(), "mimeType", f.mimeType(), "modifiedTime", f.modifiedTime());
            if (f.size() != null) {
                m.put("size", f.size());
            }
            out.add(m);
        }
        Map<String, Object> body = FakeProvider.obj("kind", "drive#fileList", "incompleteSearch", false, "files", out);
        if (to < matching.size()) {
            body.put("nextPageToken", "page-" + to);
        }
        return FakeServer.Response.json(200, body);
    }

    private static FakeServer.Response invalid(String message, String location) {
        return FakeServer.Response.json(400, FakeProvider.obj("error", FakeProvider.obj("code", 400, "message", message,
                "errors", List.of(FakeProvider.obj("message", message, "domain", "global", "reason", "invalid",
                        "location", location, "locationType", "parameter")))));
    }

    /** Drive's query grammar, the part integ writes: {@code field op 'literal'} terms joined by "and". */
    private final class Query {
        private final String q;
        private int at;

        Query(String q) {
            this.q = q;
        }

        Predicate<File> parse() {
            Predicate<File> all = term();
            while (skipSpaces() && q.startsWith("and", at)) {
                at += 3;
                all = all.and(term());
            }
            if (skipSpaces()) {
                throw new IllegalArgumentException("trailing text");
            }
            return all;
        }

        private Predicate<File> term() {
            skipSpaces();
            String field = word();
            skipSpaces();
            String op = q.startsWith("contains", at) ? "contains" : q.startsWith("!=", at) ? "!=" : q.startsWith("=", at) ? "=" : null;
            if (op == null) {
                throw new IllegalArgumentException("operator");
            }
            at += op.length();
            skipSpaces();
            if (field.equals("trashed")) {
                String value = word();
                return f -> value.equals("false");
            }
            String literal = literal();
            parsedLiterals.add(literal);
            return switch (field + " " + op) {
                case "name contains" -> f -> f.name().contains(literal);
                case "name =" -> f -> f.name().equals(literal);
                case "mimeType =" -> f -> f.mimeType().equals(literal);
                case "mimeType !=" -> f -> !f.mimeType().equals(literal);
                case "fullText contains" -> f -> f.name().contains(literal);
                default -> throw new IllegalArgumentException("field");
            };
        }

        private String word() {
            int start = at;
            while (at < q.length() && Character.isLetter(q.charAt(at))) {
                at++;
            }
            if (start == at) {
                throw new IllegalArgumentException("word");
            }
            return q.substring(start, at);
        }

        private String literal() {
            if (at >= q.length() || q.charAt(at) != '\'') {
                throw new IllegalArgumentException("quote");
            }
            at++;
            StringBuilder out = new StringBuilder();
            while (at < q.length()) {
                char c = q.charAt(at++);
                if (c == '\\') {
                    if (at >= q.length()) {
                        throw new IllegalArgumentException("escape");
                    }
                    out.append(q.charAt(at++));
                } else if (c == '\'') {
                    return out.toString();
                } else {
                    out.append(c);
                }
            }
            throw new IllegalArgumentException("unterminated");
        }

        /** @return true if there is more */
        private boolean skipSpaces() {
            while (at < q.length() && q.charAt(at) == ' ') {
                at++;
            }
            return at < q.length();
        }
    }
}
