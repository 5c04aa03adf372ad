package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Jira Cloud REST v3 under {@code /ex/jira/{cloudId}} (PROVIDERS.md §3.7-3.8): {@code myself}, and
 * {@code issue} create with Jira's checks and error shape ({@code {"errorMessages":[],"errors":{field: message}}}):
 * the project must exist, the summary be 1-255 characters, the issue type known, and the description
 * an Atlassian Document (doc, version 1, paragraphs of text nodes) of at most 32,767 characters.
 */
public final class FakeJiraApi extends FakeApi {
    public static final int SUMMARY_LIMIT = 255;
    public static final int DESCRIPTION_LIMIT = 32_767;

    private final FakeAtlassian atlassian;
    private final List<JsonNode> created = new CopyOnWriteArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();
    private volatile Set<String> projects = Set.of("OPS", "R_D");

    FakeJiraApi(FakeAtlassian atlassian) {
        super(atlassian);
        this.atlassian = atlassian;
        routePrefix("/ex/jira/", this::jira, "GET", "POST");
    }

    /** The request bodies of the issues created, as Jira received them. */
    public List<JsonNode> created() {
        return List.copyOf(created);
    }

    public FakeJiraApi projects(String... keys) {
        projects = Set.of(keys);
        return this;
    }

    @Override
    public void clear() {
        super.clear();
        created.clear();
        counter.set(0);
    }

    private FakeServer.Response jira(FakeServer.Request request) throws Exception {
        if (atlassian.validBearer(request) == null) {
            return FakeAtlassian.unauthorized();
        }
        String[] parts = request.path().split("/");
        // "", "ex", "jira", cloudId, "rest", "api", "3", name
        if (parts.length != 8 || !"rest".equals(parts[4])) {
            return notFound("Not found: " + request.path());
        }
        String cloudId = parts[3];
        if (atlassian.sites().stream().noneMatch(s -> s.id().equals(cloudId))) {
            return notFound("Site not found or not accessible: " + cloudId);
        }
        return switch (request.method + " " + parts[7]) {
            case "GET myself" -> atlassian.myself();
            case "POST issue" -> create(request, cloudId);
            default -> notFound("Not found: " + request.path());
        };
    }

    private FakeServer.Response create(FakeServer.Request request, String cloudId) throws Exception {
        JsonNode body;
        try {
            body = FakeServer.JSON.readTree(request.body);
        } catch (java.io.IOException e) {
            return errors(List.of("Unexpected character in the request body"), Map.of());
        }
        JsonNode fields = body.path("fields");
        Map<String, String> errors = new LinkedHashMap<>();
        String project = fields.path("project").path("key").asText("");
        if (!projects.contains(project)) {
            errors.put("project", "Specify a valid project ID or key");
        }
        JsonNode summary = fields.path("summary");
        if (!summary.isTextual() || summary.asText().isBlank()) {
            errors.put("summary", "You must specify a summary of the issue.");
        } else if (summary.asText().codePointCount(0, summary.asText().length()) > SUMMARY_LIMIT) {
            errors.put("summary", "Summary must be less than 255 characters.");
        }
        if (!Set.of("Task", "Bug", "Story").contains(fields.path("issuetype").path("name").asText(""))) {
            errors.put("issuetype", "Specify a valid issue type");
        }
        if (fields.has("description")) {
            String problem = adfProblem(fields.path("description"));
            if (problem != null) {
                errors.put("description", problem);
            }
        }
        if (!errors.isEmpty()) {
            return errors(List.of(), errors);
        }
        if (descriptionLength(fields.path("description")) > DESCRIPTION_LIMIT) {
            counter.incrementAndGet(); // Jira spends the issue number all the same (JRACLOUD-78553)
            return FakeServer.Response.json(400, FakeProvider.obj("errorMessages", List.of("CONTENT_LIMIT_EXCEEDED"), "errors", Map.of()));
        }
        created.add(body);
        int n = counter.incrementAndGet();
        String key = project + "-" + n;
        return FakeServer.Response.json(201, FakeProvider.obj("id", Integer.toString(10000 + n), "key", key,
                "self", "https://api.atlassian.com/ex/jira/" + cloudId + "/rest/api/3/issue/" + (10000 + n)));
    }

    /** Why this is not an Atlassian Document of paragraphs of text, or null. */
    private static String adfProblem(JsonNode doc) {
        if (!"doc".equals(doc.path("type").asText()) || doc.path("version").asInt() != 1 || !doc.path("content").isArray()) {
            return "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
        }
        for (JsonNode block : doc.path("content")) {
            if (!"paragraph".equals(block.path("type").asText())) {
                return "INVALID_INPUT: unsupported node " + block.path("type").asText();
            }
            for (JsonNode inline : block.path("content")) {
                boolean text = "text".equals(inline.path("type").asText()) && inline.path("text").isTextual()
                        && !inline.path("text").asText().isEmpty();
                boolean hardBreak = "hardBreak".equals(inline.path("type").asText());
                if (!text && !hardBreak) {
                    return "INVALID_INPUT: a text node must have non-empty text";
                }
            }
        }
        return null;
    }

    private static int descriptionLength(JsonNode doc) {
        int[] n = {0};
        doc.path("content").forEach(b -> b.path("content").forEach(i -> n[0] += i.path("text").asText("").length()));
        return n[0];
    }

    private static FakeServer.Response errors(List<String> messages, Map<String, String> errors) {
        return FakeServer.Response.json(400, FakeProvider.obj("errorMessages", messages, "errors", errors));
    }

    private static FakeServer.Response notFound(String message) {
        return FakeServer.Response.json(404, FakeProvider.obj("errorMessages", List.of(message), "errors", Map.of()));
    }
}
